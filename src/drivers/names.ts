/**
 * Validators for names that end up inside remote commands (DESIGN.md, Safety). They are strict on
 * purpose: quoting is the second line of defence, not the first.
 */

const DEVICE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/i;
// Linux IFNAMSIZ is 16 with the NUL; the kernel refuses `/`, `:` and whitespace; everything else
// outside this set is a character a shell or vtysh would interpret, or `ip` would print ambiguously (`@`).
const INTERFACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,14}$/;
// A Linux VRF is a network device, so the interface limit (15) is the binding one (FRR allows 36).
const VRF_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

export function isValidDeviceName(name: string): boolean {
  return DEVICE_NAME.test(name);
}

export function isValidInterfaceName(name: string): boolean {
  return INTERFACE_NAME.test(name);
}

/** A VRF name usable both as a Linux VRF device and in FRR (`default` is the default VRF itself). */
export function isValidVrfName(name: string): boolean {
  return VRF_NAME.test(name);
}
