/**
 * Every workload, in report order.
 */
import { aggregate } from "./aggregate.js"
import { bulkInsert } from "./bulk-insert.js"
import { concurrentInsert } from "./concurrent-insert.js"
import { concurrentLookups } from "./concurrent-lookups.js"
import { insertOne } from "./insert-one.js"
import { join } from "./join.js"
import { prefetch } from "./prefetch.js"
import { selectFilter } from "./select-filter.js"
import { selectPk, selectPkCached, selectPkUnprepared } from "./select-pk.js"
import { STREAM_WORK } from "./stream.js"
import { TPCB_WORK } from "./tpcb.js"
import type { BatchWorkload } from "../workload.js"
import type { ReplicationWorkload } from "../replication.js"
import { backfill } from "./backfill.js"
import { replicatedInsert } from "./replicated-insert.js"
import { replicationLag } from "./replication-lag.js"
import { shipThroughput } from "./ship-throughput.js"

export const batchWorkloads: ReadonlyArray<BatchWorkload> = [
  selectPk,
  selectPkUnprepared,
  selectPkCached,
  selectFilter,
  join,
  aggregate,
  insertOne,
  bulkInsert,
  concurrentInsert,
  prefetch,
  concurrentLookups
]

/** Workloads with their own runner (child processes / client loops). */
export const specialWorkloads = [
  { id: "stream", title: "Stream 1M rows", work: STREAM_WORK },
  { id: "tpcb", title: "TPC-B (pgbench)", work: TPCB_WORK }
] as const

/** Replication (issue #14, #15): Quarry with a replicated set vs the same work without one; run after the dialects. */
export const replicationWorkloads: ReadonlyArray<ReplicationWorkload> = [replicatedInsert, shipThroughput, replicationLag, backfill]

export const allIds: ReadonlyArray<string> = [
  ...batchWorkloads.map((w) => w.id),
  ...specialWorkloads.map((w) => w.id),
  ...replicationWorkloads.map((w) => w.id)
]
