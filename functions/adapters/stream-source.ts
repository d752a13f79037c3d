/**
 * How the stream function reads the table's stream, in the one place both sides take it from: the
 * stack's event source mapping (infra) and the local poller behind `npm start` and the tests, so
 * a failing batch is retried, split and given up on locally as it is on AWS.
 */
export const STREAM_SOURCE = {
  /** Records per invocation at most. */
  batchSize: 100,
  /** Retries of a failing batch before its records go to the on-failure destination. */
  retryAttempts: 3,
  /**
   * One poison record is isolated by halving the batch instead of blocking its shard; with
   * partial batch responses only the records after a failure are retried, in order.
   */
  bisectBatchOnError: true,
} as const;
