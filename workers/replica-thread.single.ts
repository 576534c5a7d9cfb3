/**
 * replica-thread.ts for the single-file build (vite.single.config.ts aliases it): a page opened from
 * file:// is never cross-origin isolated, so there is no replica worker to bundle. One thread, same numbers.
 */
import { setReplicaFactory } from '../src/core/models/tvae/replica';
import type { BackendName } from '../src/core/models/types';

export function offerReplica(_backend: BackendName): void {
  setReplicaFactory(null);
}
