/** The gateway addresses every TAP carries in the routed-host model (no interconnect IPAM). */
export const LINK_LOCAL_GATEWAY_V4 = '169.254.0.1';
export const LINK_LOCAL_GATEWAY_V6 = 'fe80::1';
