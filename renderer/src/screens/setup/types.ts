/** What the steps of the setup wizard hand each other. */
import type { DATA_TYPE_NAMES, Response } from '../../../../main/ipc/contract.js';

export type DataType = (typeof DATA_TYPE_NAMES)[number];
export type Place = Response<'setup:suggest-places'>['places'][number];
export type Created = Response<'jobs:create'>;
