// Public face of harness/spec: PostgreSQL isolation spec files read, run, explored and written.
export { readSpec, readSpecFile } from './spec-reader.ts';
export { writeSpec, permutationLine, specName } from './spec-writer.ts';
export { findStep } from './spec-model.ts';
export type { IsolationSpec, Permutation, PermutationBlocker, PermutationStep, SpecSession, SpecStep } from './spec-model.ts';
export { specPermutations, permutationCount } from './spec-permutations.ts';
export { analyseSpec, checkServerSupports, specBlocks } from './spec-refusals.ts';
export type { SpecBlock, SpecNeeds } from './spec-refusals.ts';
export { formatResultSet } from './result-set-format.ts';
export { renderTranscript, renderEntry } from './isolation-output.ts';
export type { QueryOutput, ResultSet, TranscriptEntry } from './isolation-transcript.ts';
export { compareWithExpected, expectedFilesBeside } from './expected-output.ts';
export type { ExpectedComparison, ExpectedFile } from './expected-output.ts';
