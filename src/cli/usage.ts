export class UsageError extends Error {}

export const USAGE = `routedeck — NOC console for a routed-to-the-host network

Usage:
  routedeck [--read-only] [--log FILE]      the console on the embedded lab (what \`npm start\` runs)
  routedeck --inventory FILE [--read-only]  the console on a real network (or --lab-netns)
  routedeck lab sim [--hosts N --routers M --workloads K --tenants T --seed S]   lab only, fault keys
  routedeck lab ctl '{"cmd":"flap","device":"spine1","peer":"eth1"}'   (faults: see README)
  routedeck get devices|bgp|routes|workloads|overlay|guard [options]   (guard: vmguard drift + spoof drops)
  routedeck plan create NAME --tenant T --host H [-o plan.json] [--cloud-init-dir DIR]
                                            plan a new workload (nothing sent); DIR: its NoCloud seed
  routedeck plan migrate NAME --to H [--break-before-make] [-o plan.json]
  routedeck plan decommission NAME [-o plan.json]  |  plan discard PLAN-ID  |  plan list
  routedeck plan fip attach ADDR --to W [--peer W2] | move ADDR --to W | detach ADDR | list
                                            floating IPs (a VRRP-style pair with --peer)
  routedeck plan tenant NAME --vrf V --table N --rd RD --rt-import RT --rt-export RT [--vni N]
                --pool4 CIDR --pool6 CIDR   a tenant's VRF on the routers (VyOS API) and hypervisors
  routedeck plan guard-repair [--device hvN]   re-align the hypervisors' vmguard sets with the registry
  routedeck plan shared-service NAME --service ADDR --local ADDR --tenant T@EDGE,via=ADDR … --provider EDGE
                                            double NAT through unique transit slices (overlapping tenants)
  routedeck plan reconcile NAME… | --all [--keep HOST] [-o plan.json]
                                            make fabric and registry agree on one holder (a way out of any failure)
  routedeck apply plan.json|PLAN-ID [--yes]   show the plan, confirm, apply, verify (rollback on failure)
  routedeck apply --resume PLAN-ID | --rollback PLAN-ID   finish a plan a dead console left mid-apply
  routedeck audit [--plan ID] [--limit N] [--json]
  routedeck serve --listen 127.0.0.1:2222 --authorized-keys FILE [--host-key FILE] [--auth-timeout S]
                [--max-viewers N] [--max-pending N] [--max-pending-per-source N]
                                            the console here, mirrored read-only to colleagues over SSH
  routedeck registry migrate [--registry LOC | --inventory FILE]   apply the registry's schema migrations now
  routedeck registry copy --from sqlite:FILE --to postgres://USER@HOST/DB   move a registry's history to PostgreSQL
  routedeck trust-host DEVICE --inventory FILE [--fingerprint SHA256:…]
  routedeck lab netns up|down|status        (root, Linux: real FRR in network namespaces)

Options for get:
  --inventory FILE   inventory YAML (or ROUTEDECK_INVENTORY)
  --lab              the embedded simulated lab (the running one, or one started for this command)
  --lab-netns        the real-FRR netns lab's inventory
  --device NAME      only this device (repeatable)
  --vrf NAME         only this VRF
  --prefix ADDR      longest-prefix match for ADDR (routes, workloads)
  --json             stable JSON output (see README)

Options for plan/apply/audit: --lab (the running embedded lab), --lab-netns or --inventory FILE;
  --registry FILE|sqlite:FILE|postgres://USER@HOST/DB (default: the inventory's registry.url, next to a lab's
  inventory, else $XDG_STATE_HOME/routedeck/registry.sqlite; no password in the URL: PGPASSWORD, ~/.pgpass),
  --operator NAME (default: your login; recorded in the audit log).

Exit codes: 0 ok, 1 some device failed (apply: rolled back / failed), 2 bad input (nothing was sent).
`;
