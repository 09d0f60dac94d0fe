/** slice-ansi for ink, a line inside the clip returned as it is (./fast-slice-ansi.mjs). */
export default function fastSliceAnsi(string: string, start: number, end?: number): string;
export declare const REMEMBERED_LINES: number;
export declare function rememberedWidths(): number;
