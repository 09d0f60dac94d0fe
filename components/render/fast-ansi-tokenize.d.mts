// Types of ./fast-ansi-tokenize.mjs: the library's, and what the lean module adds.
export * from '@alcalzone/ansi-tokenize';
export declare const REMEMBERED_CHARS: number;
export declare function rememberedLines(): number;
export declare function rememberedCharacters(): number;
