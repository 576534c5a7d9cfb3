// A tVAE replica thread (core/models/tvae/replica.ts), started by tf-node.ts's replica factory.
import { workerData } from 'node:worker_threads';
import { initNodeBackend } from './tf-node';
import { TVAE } from '../core/models/tvae/tvae';
import { serveTvaeReplica, type TvaeReplicaInit } from '../core/models/tvae/replica';

const { init, backend } = workerData as { init: TvaeReplicaInit; backend: 'wasm' | 'cpu' };
await initNodeBackend(backend, { threads: 1 });
serveTvaeReplica(init, TVAE.replicaNetwork(init));
