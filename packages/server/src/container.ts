import { join } from "node:path";
import type { Redis } from "ioredis";
import type { Middleware } from "koa";
import { connectElasticsearch, indexName } from "./adapters/elasticsearch/elasticsearch-client.ts";
import { ElasticsearchKeywordRanking } from "./adapters/elasticsearch/elasticsearch-keyword-ranking.ts";
import { ElasticsearchSearchIndex } from "./adapters/elasticsearch/elasticsearch-search-index.ts";
import { MemoryBus } from "./adapters/memory/memory-bus.ts";
import { MemoryCache } from "./adapters/memory/memory-cache.ts";
import { MemoryLeaderboard } from "./adapters/memory/memory-leaderboard.ts";
import { MemoryLeases } from "./adapters/memory/memory-leases.ts";
import { SandboxGateway } from "./adapters/payments/sandbox-gateway.ts";
import { StripeGateway } from "./adapters/payments/stripe-gateway.ts";
import { RabbitMqBus } from "./adapters/rabbitmq/rabbitmq-bus.ts";
import { limiterFactory } from "./adapters/rate-limiters.ts";
import { RedisCache } from "./adapters/redis/redis-cache.ts";
import { connectRedis, redisConnected } from "./adapters/redis/redis-client.ts";
import { RedisLeaderboard } from "./adapters/redis/redis-leaderboard.ts";
import { RedisLeases } from "./adapters/redis/redis-leases.ts";
import { SqlKeywordRanking } from "./adapters/sql/sql-keyword-ranking.ts";
import { SqlSearchIndex } from "./adapters/sql/sql-search-index.ts";
import { LocalStorage } from "./adapters/storage/local-storage.ts";
import { S3Storage } from "./adapters/storage/s3-storage.ts";
import type { Config } from "./config.ts";
import { afterCommit } from "./db/after-commit.ts";
import { migrateToLatest, openDatabase, type SqlDatabase } from "./db/database.ts";
import { FirstPerHour } from "./db/first-per-hour.ts";
import { createMetrics, type Metrics, observed } from "./http/metrics.ts";
import { WriteLimits } from "./http/rate-limits.ts";
import type { Route } from "./http/route.ts";
import { JobRunner } from "./jobs.ts";
import { jsonLogger, type Logger } from "./logger.ts";
import { AttachmentRepository } from "./modules/attachments/repository.ts";
import { attachmentRoutes, fileRoute } from "./modules/attachments/routes.ts";
import { AttachmentService } from "./modules/attachments/service.ts";
import { AccessTokens } from "./modules/auth/access-tokens.ts";
import { HashGate } from "./modules/auth/hash-gate.ts";
import { LoginThrottle } from "./modules/auth/login-throttle.ts";
import { RefreshTokens } from "./modules/auth/refresh-tokens.ts";
import { Revocations } from "./modules/auth/revocations.ts";
import { authRoutes } from "./modules/auth/routes.ts";
import { AuthService } from "./modules/auth/service.ts";
import { BoardRepository } from "./modules/boards/repository.ts";
import { boardRoutes } from "./modules/boards/routes.ts";
import { BoardService } from "./modules/boards/service.ts";
import { CategoryRepository } from "./modules/categories/repository.ts";
import { categoryRoutes } from "./modules/categories/routes.ts";
import { CategoryService } from "./modules/categories/service.ts";
import { chatDestinations } from "./modules/chat/destinations.ts";
import { ChatRepository } from "./modules/chat/repository.ts";
import { chatRoutes } from "./modules/chat/routes.ts";
import { ChatService } from "./modules/chat/service.ts";
import { AdoptComment } from "./modules/comments/adopt-comment.ts";
import { CommentRepository } from "./modules/comments/repository.ts";
import { commentRoutes } from "./modules/comments/routes.ts";
import { CommentService } from "./modules/comments/service.ts";
import { EventRepository } from "./modules/events/repository.ts";
import { eventRoutes } from "./modules/events/routes.ts";
import { EventService } from "./modules/events/service.ts";
import { startLab } from "./modules/lab/index.ts";
import { ModerationRepository } from "./modules/moderation/repository.ts";
import { moderationRoutes } from "./modules/moderation/routes.ts";
import { ModerationService } from "./modules/moderation/service.ts";
import { notifyBoardAuthor } from "./modules/notifications/comment-notifications.ts";
import { NotificationRepository } from "./modules/notifications/repository.ts";
import { notificationRoutes } from "./modules/notifications/routes.ts";
import { NotificationService } from "./modules/notifications/service.ts";
import { PointsRepository } from "./modules/points/repository.ts";
import { pointsRoutes } from "./modules/points/routes.ts";
import { PointsService } from "./modules/points/service.ts";
import { RankingsRepository } from "./modules/rankings/repository.ts";
import { rankingRoutes } from "./modules/rankings/routes.ts";
import { RankingsService } from "./modules/rankings/service.ts";
import { ApplySuggestions } from "./modules/review/apply-suggestions.ts";
import { reviewDestinations } from "./modules/review/destinations.ts";
import { ReviewRepository } from "./modules/review/repository.ts";
import { Reputation } from "./modules/review/reputation.ts";
import { reviewRoutes } from "./modules/review/routes.ts";
import { ReviewService } from "./modules/review/service.ts";
import { SearchLogRepository, SqlBoardDocuments } from "./modules/search/repository.ts";
import { searchRoutes } from "./modules/search/routes.ts";
import { KEYWORD_HOURS_KEPT, SearchService } from "./modules/search/service.ts";
import { SubscriptionRepository } from "./modules/subscriptions/repository.ts";
import { subscriptionRoutes } from "./modules/subscriptions/routes.ts";
import { SubscriptionService } from "./modules/subscriptions/service.ts";
import { UserRepository } from "./modules/users/repository.ts";
import { userRoutes } from "./modules/users/routes.ts";
import { UserService } from "./modules/users/service.ts";
import { Outbox } from "./outbox/outbox.ts";
import { SearchOutbox } from "./outbox/search-outbox.ts";
import type {
  Cache,
  KeywordRanking,
  Leaderboard,
  Leases,
  MessageBus,
  ObjectStorage,
  PaymentGateway,
  Probe,
  SearchIndex,
} from "./ports.ts";
import { type DestinationPolicy, destinationPolicy } from "./realtime/destinations.ts";
import { RealtimeHub } from "./realtime/hub.ts";
import { DEFAULT_LIMITS, type RealtimeLimits } from "./realtime/session.ts";
import { embeddedSecret } from "./secrets.ts";

export interface Container {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  database: SqlDatabase;
  cache: Cache;
  leaderboard: Leaderboard;
  bus: MessageBus;
  /** The bus outbox; its relay runs on the instance holding the relay lease. */
  outbox: Outbox;
  services: {
    auth: AuthService;
    boards: BoardService;
    comments: CommentService;
    points: PointsService;
    moderation: ModerationService;
    chat: ChatService;
    notifications: NotificationService;
    rankings: RankingsService;
    attachments: AttachmentService;
    events: EventService;
    subscriptions: SubscriptionService;
    review: ReviewService;
  };
  storage: ObjectStorage;
  payments: PaymentGateway;
  /** The scheduled jobs (event starts, renewals, payment reconciliation, the storage sweep). */
  jobs: JobRunner;
  /** Serves the local directory's objects at `/files/:key`; undefined when objects live elsewhere (S3). */
  files?: Middleware;
  /** What the STOMP endpoint needs; `server.ts` attaches it to the http.Server. */
  realtime: {
    hub: RealtimeHub;
    policy: DestinationPolicy;
    limits: RealtimeLimits;
    cache: Cache;
    leases: Leases;
    deliveries: { delivered(): void; dropped(): void };
  };
  search: { index: SearchIndex; outbox: SearchOutbox; service: SearchService };
  routes: Route[];
  /** Per-user and per-address limits on creating calls (REST through the route chain, STOMP sends directly). */
  writeLimits: WriteLimits;
  /** Each adapter's state; `/ready` is 503 unless every one is up. */
  readiness(): Promise<Record<string, "up" | "down">>;
  close(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 1000;

/** Seams for tests: each receives the adapter the configuration chose and may wrap it. */
export interface AdapterOverrides {
  searchIndex?: (chosen: SearchIndex) => SearchIndex;
  storage?: (chosen: ObjectStorage) => ObjectStorage;
  payments?: (chosen: PaymentGateway) => PaymentGateway;
}

function probe(target: Probe): Promise<"up" | "down"> {
  const timeout = new Promise<"down">((resolve) => setTimeout(resolve, PROBE_TIMEOUT_MS, "down").unref());
  return Promise.race([
    target.ping().then(
      () => "up" as const,
      () => "down" as const,
    ),
    timeout,
  ]);
}

/**
 * Chat messages sent over STOMP count toward the sender's write limit, across sessions and instances: a run is
 * cut before the first message the limit refuses.
 */
function limitedSends(policy: DestinationPolicy, limits: WriteLimits): DestinationPolicy {
  return {
    ...policy,
    async send(user, destination, bodies) {
      const admitted = await Promise.allSettled(
        bodies.map(() => limits.admit("chatMessages", user.id, undefined)),
      );
      const refused = admitted.findIndex((outcome) => outcome.status === "rejected");
      if (refused === 0) return { stored: 0, refusal: (admitted[0] as PromiseRejectedResult).reason };
      const outcome = await policy.send(user, destination, refused < 0 ? bodies : bodies.slice(0, refused));
      if (refused < 0 || outcome.refusal !== undefined) return outcome;
      return { stored: outcome.stored, refusal: (admitted[refused] as PromiseRejectedResult).reason };
    },
  };
}

/** The one place that chooses adapters from the configuration and wires the services. */
export async function createContainer(
  config: Config,
  logger: Logger = jsonLogger(config.logLevel),
  overrides: AdapterOverrides = {},
): Promise<Container> {
  const database = openDatabase(
    config.database.url,
    config.database.poolSize,
    (error) => logger.error("after-commit hook failed", { error: String(error) }),
    config.database.statementTimeoutMs,
  );
  await database.withoutDeadline(migrateToLatest);
  const metrics = createMetrics();

  const redisTarget = config.redisUrl ?? config.redisSentinel;
  const redis: Redis | undefined = redisTarget ? connectRedis(redisTarget) : undefined;
  if (redis && !(await redisConnected(redis))) logger.warn("redis is not answering; starting degraded");
  const countRead = (_: number, value: unknown) =>
    metrics.cacheRequests.inc({ result: value === undefined ? "miss" : "hit" });
  const cache: Cache = observed(
    observed(
      redis ? new RedisCache(redis, config.keyPrefix) : new MemoryCache(config.cacheMaxBytes),
      "get",
      countRead,
    ),
    "getVersioned",
    countRead,
  );

  const rabbit = config.amqpUrl ? new RabbitMqBus(config.amqpUrl, config.keyPrefix, logger) : undefined;
  await rabbit?.start();
  const bus: MessageBus = rabbit ?? new MemoryBus();
  const confirmedBus = observed(bus, "publish", (seconds, _, error) => {
    if (error) metrics.relayFailures.inc();
    else metrics.busConfirm.observe(seconds);
  });
  const outbox = new Outbox(database.db, confirmedBus, logger);
  const hub = new RealtimeHub(bus, logger, outbox);

  const users = new UserRepository(database.db);
  const secret = config.jwtSecret ?? embeddedSecret(config.dataDir, "jwt-secret");
  const revocations = new Revocations(database.db, cache, config.accessTokenTtl);
  const refreshTokens = new RefreshTokens(database, config.refreshTokenTtl, revocations);
  const accessTokens = new AccessTokens(secret, config.accessTokenTtl);
  const limiter = limiterFactory(redis, config.keyPrefix);
  const writeLimits = new WriteLimits(config.writeLimits, limiter);
  const auth = new AuthService({
    database,
    users,
    access: accessTokens,
    refresh: refreshTokens,
    revocations,
    throttle: new LoginThrottle(config.login, limiter, {
      failed: () => metrics.loginFailures.inc(),
      throttled: () => metrics.loginThrottled.inc(),
    }),
    hashes: new HashGate(config.passwordHashing),
    logger,
    onLogout: (tx, userId) => hub.revokeSessions(tx, userId, "logged out"),
  });
  if (config.admin) await auth.ensureAdmin(config.admin.email, config.admin.password);

  const leaderboard: Leaderboard = redis
    ? new RedisLeaderboard(redis, config.keyPrefix)
    : new MemoryLeaderboard();
  const rankings = new RankingsService({
    repository: new RankingsRepository(database.db),
    leaderboard,
    cache,
    logger,
  });

  const chat = new ChatService({
    database,
    rooms: new ChatRepository(database.db, database.dialect),
    outbox,
  });
  const notifications = new NotificationService({
    database,
    notifications: new NotificationRepository(database.db),
    outbox,
  });
  const elasticsearch = config.elasticsearchUrl ? connectElasticsearch(config.elasticsearchUrl) : undefined;
  const chosenIndex: SearchIndex = elasticsearch
    ? new ElasticsearchSearchIndex(elasticsearch, indexName(config.keyPrefix, "boards"))
    : new SqlSearchIndex(database);
  const searchIndex = observed(overrides.searchIndex?.(chosenIndex) ?? chosenIndex, "search", (seconds) =>
    metrics.searchDuration.observe(seconds),
  );
  const keywordRanking: KeywordRanking = elasticsearch
    ? new ElasticsearchKeywordRanking(elasticsearch, indexName(config.keyPrefix, "search-keywords"))
    : new SqlKeywordRanking(database.db);
  const boardDocuments = new SqlBoardDocuments(database.db);
  const searchOutbox = new SearchOutbox({
    db: database.db,
    index: searchIndex,
    documents: boardDocuments,
    logger,
  });
  searchOutbox.start();
  const pruneFailed = (error: unknown) =>
    logger.warn("pruning once-per-hour rows failed", { error: String(error) });
  const search = new SearchService({
    log: new SearchLogRepository(
      database,
      new FirstPerHour(database, "keyword_searchers", KEYWORD_HOURS_KEPT, pruneFailed),
    ),
    index: searchIndex,
    ranking: keywordRanking,
    boards: boardDocuments,
    logger,
  });

  const categoryRepository = new CategoryRepository(database.db);
  const categories = new CategoryService(database, categoryRepository, searchOutbox);
  const commentRepository = new CommentRepository(database.db);
  const reviewRepository = new ReviewRepository(database);
  const review = new ReviewService({ database, review: reviewRepository, outbox, notifications });
  const reputation = new Reputation(reviewRepository, (userId, categoryIds) =>
    rankings.reviewerChanged(userId, categoryIds),
  );
  const boardRepository = new BoardRepository(
    database,
    categoryRepository,
    commentRepository,
    new FirstPerHour(database, "board_viewers", 0, pruneFailed),
    reviewRepository,
  );
  const boards = new BoardService({
    database,
    cache,
    boards: boardRepository,
    categories: categoryRepository,
    searchOutbox,
    files: review,
    onViewed: (boardId, at, hourViews) => rankings.boardViewed(boardId, at, hourViews),
    onDeleting: (tx, boardId) => attachments.boardDeleting(tx, boardId),
    onChanged: (boardId) => rankings.boardChanged(boardId),
  });
  const notificationCap = {
    perHour: config.notificationsPerActorPerHour,
    counter: limiter("notifications:actor", { points: config.notificationsPerActorPerHour, seconds: 3600 }),
  };
  const comments = new CommentService({
    database,
    comments: commentRepository,
    boards: boardRepository,
    onCommentCreated: (tx, comment, board) =>
      notifyBoardAuthor(tx, notifications, comment, board, notificationCap),
  });
  const points = new PointsService({
    database,
    points: new PointsRepository(database.db, database.dialect),
    onPointsChanged: (userId, deltas) => {
      for (const delta of deltas) {
        metrics.pointsMoved.inc({ direction: delta < 0 ? "deducted" : "granted" }, Math.abs(delta));
      }
      return rankings.userChanged(userId);
    },
  });
  const adoptComment = new AdoptComment({
    database,
    comments: commentRepository,
    boards: boardRepository,
    boardService: boards,
    points,
    adoptionPoints: config.adoptionPoints,
    onCredited: (tx, entry, boardId) => reputation.earned(tx, entry, boardId),
  });
  const applySuggestions = new ApplySuggestions({
    database,
    review: reviewRepository,
    reviewService: review,
    boardService: boards,
    points,
    reputation,
    searchOutbox,
    suggestionPoints: config.suggestionPoints,
  });
  const moderation = new ModerationService({
    database,
    moderation: new ModerationRepository(database.db),
    refreshTokens,
    warningThreshold: config.warningThreshold,
    onUserBlocked: (tx, userId) => hub.revokeSessions(tx, userId, "account blocked"),
  });

  const s3 = config.s3 ? new S3Storage(config.s3) : undefined;
  const chosenStorage: ObjectStorage = s3 ?? new LocalStorage(join(config.dataDir, "files"));
  const storage = overrides.storage?.(chosenStorage) ?? chosenStorage;
  const attachments = new AttachmentService({
    database,
    attachments: new AttachmentRepository(database),
    storage,
    logger,
  });
  const events = new EventService({
    database,
    events: new EventRepository(database.db),
    points,
    notifications,
  });
  const chosenGateway: PaymentGateway =
    config.payments.gateway === "stripe" ? new StripeGateway(config.payments) : new SandboxGateway();
  const payments = overrides.payments?.(chosenGateway) ?? chosenGateway;
  const subscriptions = new SubscriptionService({
    database,
    subscriptions: new SubscriptionRepository(database.db),
    points,
    gateway: payments,
    settings: config.subscriptions,
    logger,
  });
  const jobs = new JobRunner(
    [events.startAnnouncer, subscriptions.renewer, subscriptions.reconciler, attachments.sweeper],
    logger,
    config.jobIntervalMs,
  );

  await rankings.rebuild().catch((error: unknown) => {
    logger.warn("rankings not rebuilt at start; the first read rebuilds them", { error: String(error) });
  });

  const lab = config.lab
    ? await startLab({
        db: database.db,
        redis,
        keyPrefix: config.keyPrefix,
        rankings,
        rankingsRepository: new RankingsRepository(database.db),
        searchIndex,
        documents: boardDocuments,
        access: accessTokens,
        refresh: refreshTokens,
      })
    : undefined;

  const probes: Probe[] = [
    { name: "database", ping: () => database.ping() },
    ...(redis ? [cache] : []),
    ...(rabbit ? [rabbit] : []),
    ...(elasticsearch ? [searchIndex] : []),
    ...(s3 ? [storage] : []),
  ];

  const readiness = async () => {
    const states = await Promise.all(probes.map(probe));
    return Object.fromEntries(probes.map((p, i) => [p.name, states[i] ?? "down"]));
  };
  metrics.watch({
    readiness,
    realtime: () => ({ sessions: hub.sessionCount, subscriptions: hub.subscriptionCount }),
    outbox: () => outbox.backlog(),
    connections: database.connections,
  });

  return {
    config,
    logger,
    metrics,
    database,
    cache,
    leaderboard,
    bus,
    outbox,
    services: {
      auth,
      boards,
      comments,
      points,
      moderation,
      chat,
      notifications,
      rankings,
      attachments,
      events,
      subscriptions,
      review,
    },
    storage,
    payments,
    jobs,
    files: s3 ? undefined : fileRoute(attachments),
    realtime: {
      hub,
      policy: limitedSends(
        destinationPolicy(chatDestinations(chat), reviewDestinations(review)),
        writeLimits,
      ),
      limits: { ...DEFAULT_LIMITS, ...config.realtime },
      cache,
      leases: redis ? new RedisLeases(redis, config.keyPrefix) : new MemoryLeases(),
      deliveries: { delivered: () => metrics.delivered.inc(), dropped: () => metrics.dropped.inc() },
    },
    search: { index: searchIndex, outbox: searchOutbox, service: search },
    writeLimits,
    routes: [
      ...authRoutes(auth),
      ...userRoutes(
        new UserService({
          database,
          users,
          onNicknameChanged: (tx, userId) => {
            afterCommit(tx, () => rankings.userRenamed(userId));
            return boardRepository.touchShowing(tx, userId);
          },
          onCareerChanged: (userId) => rankings.userChanged(userId),
          topCategories: (userId) => review.topCategories(userId),
        }),
      ),
      ...categoryRoutes(categories),
      ...boardRoutes(boards),
      ...commentRoutes(comments, adoptComment),
      ...pointsRoutes(points),
      ...moderationRoutes(moderation),
      ...chatRoutes(chat),
      ...notificationRoutes(notifications),
      ...searchRoutes(search),
      ...rankingRoutes(rankings),
      ...attachmentRoutes(attachments),
      ...eventRoutes(events),
      ...subscriptionRoutes(subscriptions),
      ...reviewRoutes(review, applySuggestions),
      ...(lab?.routes ?? []),
    ],
    readiness,
    async close() {
      await lab?.stop();
      await jobs.stop();
      await outbox.stop();
      await bus.close();
      await searchOutbox.stop();
      await elasticsearch?.close();
      await cache.close();
      redis?.disconnect();
      s3?.close();
      await database.close();
    },
  };
}
