// End-to-end test support: import everything from here.
//   import { useE2eCleanup, makeWorkDir, runCli, npmWithServiceNode, createTestDatabase, freePort, startHardened } from './support/index.js';
export { REPO_ROOT, CLI_PATH, ENSURE_NODE_SCRIPT } from './paths.js';
export { registerCleanup, cleanupAll, pendingCleanups } from './cleanup.js';
export { useE2eCleanup } from './hooks.js';
export { isolatedTmpDir, makeWorkDir } from './workdir.js';
export { cleanHostEnv, serviceNodeBinDir, serviceNodePath, envWithServiceNode, type Env } from './env.js';
export { runCli, runWithServiceNode, npmWithServiceNode, describeRun, type RunResult, type RunOptions } from './run.js';
export { createTestDatabase, psql, PG_HOST, PG_PORT, PG_USER, type TestDatabase } from './postgres.js';
export { freePort, tcpOpen } from './net.js';
export { waitUntil } from './wait.js';
export { http, getJson, postJson, waitForHttp, type HttpResponse, type HttpOptions, type WaitForHttpOptions } from './http.js';
export { snapshotTree, diffTrees, isEmptyDiff, type TreeSnapshot, type TreeDiff } from './snapshot.js';
export {
  startHardened,
  APP_MOUNT,
  NODE_MOUNT,
  RUN_UID,
  RUN_GID,
  type HardenedOptions,
  type HardenedProcess,
  type HardenedExit,
} from './hardened.js';
export * from './containers.js';
export {
  openTestBroker,
  messagingNames,
  AMQP_TEST_URL,
  NATS_TEST_URL,
  type BrokerKind,
  type MessagingNames,
  type OutgoingCommand,
  type ReceivedMessage,
  type TestBrokerClient,
} from './brokers.js';
export { startServiceProcess, type ServiceProcess } from './service-process.js';
export { startBuiltService, type BuiltService, type ServiceExit } from './built-service.js';
export { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';
export { startPrivateRedis, type PrivateRedis, type PrivateRedisOptions } from './private-redis.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export { startRegistryStandIn, type RegistryStandIn, type PublishedRelease } from './registry-stand-in.js';
