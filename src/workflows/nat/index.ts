export { allocateSlice, mapAddress, SliceError, DEFAULT_MAX_SLICE_LEN, DEFAULT_TRANSIT } from './slices.ts';
export {
  IFNAME_PATTERN,
  NAME_PATTERN,
  nftTableName,
  type NatEdge,
  type SharedServiceDesign,
  type TenantSide,
  type VyosVersion,
} from './design.ts';
export {
  nftInline,
  nftInstall,
  nftLines,
  nftRemove,
  providerTable,
  tenantTable,
  type NftTable,
} from './render-nft.ts';
export {
  providerVyos,
  providerVyosUndo,
  tenantVyos,
  tenantVyosUndo,
  vyosLine,
  type VyosCommand,
} from './render-vyos.ts';
export { buildSharedServicePlan, sharedServiceSubject } from './plan.ts';
