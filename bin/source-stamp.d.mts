// Types of source-stamp.mjs, for the tests that use it.
export declare const SOURCE_STAMP_FILE: string;
export declare function sourceStamp(root: string): string;
