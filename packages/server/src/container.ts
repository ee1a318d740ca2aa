import type { Redis } from "ioredis";
import { connectElasticsearch, indexName } from "./adapters/elasticsearch/elasticsearch-client.ts";
import { ElasticsearchKeywordRanking } from "./adapters/elasticsearch/elasticsearch-keyword-ranking.ts";
import { ElasticsearchSearchIndex } from "./adapters/elasticsearch/elasticsearch-search-index.ts";
import { MemoryBus } from "./adapters/memory/memory-bus.ts";
import { MemoryCache } from "./adapters/memory/memory-cache.ts";
import { MemoryLeaderboard } from "./adapters/memory/memory-leaderboard.ts";
import { RabbitMqBus } from "./adapters/rabbitmq/rabbitmq-bus.ts";
import { RedisCache } from "./adapters/redis/redis-cache.ts";
import { connectRedis, redisConnected } from "./adapters/redis/redis-client.ts";
import { RedisLeaderboard } from "./adapters/redis/redis-leaderboard.ts";
import { SqlKeywordRanking } from "./adapters/sql/sql-keyword-ranking.ts";
import { SqlSearchIndex } from "./adapters/sql/sql-search-index.ts";
import type { Config } from "./config.ts";
import { migrateToLatest, openDatabase, type SqlDatabase } from "./db/database.ts";
import { createMetrics, type Metrics } from "./http/metrics.ts";
import type { Route } from "./http/route.ts";
import { jsonLogger, type Logger } from "./logger.ts";
import { AccessTokens } from "./modules/auth/access-tokens.ts";
import { LoginThrottle } from "./modules/auth/login-throttle.ts";
import { RefreshTokens } from "./modules/auth/refresh-tokens.ts";
import { authRoutes } from "./modules/auth/routes.ts";
import { AuthService } from "./modules/auth/service.ts";
import { BoardRepository } from "./modules/boards/repository.ts";
import { boardRoutes } from "./modules/boards/routes.ts";
import { BoardService } from "./modules/boards/service.ts";
import { CategoryRepository } from "./modules/categories/repository.ts";
import { categoryRoutes } from "./modules/categories/routes.ts";
import { CategoryService } from "./modules/categories/service.ts";
import { ChatRepository } from "./modules/chat/repository.ts";
import { chatRoutes } from "./modules/chat/routes.ts";
import { ChatService } from "./modules/chat/service.ts";
import { AdoptComment } from "./modules/comments/adopt-comment.ts";
import { CommentRepository } from "./modules/comments/repository.ts";
import { commentRoutes } from "./modules/comments/routes.ts";
import { CommentService } from "./modules/comments/service.ts";
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
import { ReviewRepository } from "./modules/review/repository.ts";
import { Reputation } from "./modules/review/reputation.ts";
import { reviewRoutes } from "./modules/review/routes.ts";
import { ReviewService } from "./modules/review/service.ts";
import { SearchLogRepository, SqlBoardDocuments } from "./modules/search/repository.ts";
import { searchRoutes } from "./modules/search/routes.ts";
import { SearchService } from "./modules/search/service.ts";
import { UserRepository } from "./modules/users/repository.ts";
import { userRoutes } from "./modules/users/routes.ts";
import { UserService } from "./modules/users/service.ts";
import { Outbox } from "./outbox/outbox.ts";
import { SearchOutbox } from "./outbox/search-outbox.ts";
import type { Cache, KeywordRanking, Leaderboard, MessageBus, Probe, SearchIndex } from "./ports.ts";
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
  services: {
    auth: AuthService;
    boards: BoardService;
    comments: CommentService;
    points: PointsService;
    moderation: ModerationService;
    chat: ChatService;
    notifications: NotificationService;
    rankings: RankingsService;
    review: ReviewService;
  };
  /** What the STOMP endpoint needs; `server.ts` attaches it to the http.Server. */
  realtime: { hub: RealtimeHub; policy: DestinationPolicy; limits: RealtimeLimits };
  search: { index: SearchIndex; outbox: SearchOutbox; service: SearchService };
  routes: Route[];
  /** Each adapter's state; `/ready` is 503 unless every one is up. */
  readiness(): Promise<Record<string, "up" | "down">>;
  close(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 1000;

/** Seams for tests: each receives the adapter the configuration chose and may wrap it. */
export interface AdapterOverrides {
  searchIndex?: (chosen: SearchIndex) => SearchIndex;
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

/** The one place that chooses adapters from the configuration and wires the services. */
export async function createContainer(
  config: Config,
  logger: Logger = jsonLogger(config.logLevel),
  overrides: AdapterOverrides = {},
): Promise<Container> {
  const database = openDatabase(config.database.url, config.database.poolSize, (error) =>
    logger.error("after-commit hook failed", { error: String(error) }),
  );
  await migrateToLatest(database.db);

  const redis: Redis | undefined = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
  if (redis && !(await redisConnected(redis))) logger.warn("redis is not answering; starting degraded");
  const localCache = new MemoryCache();
  const cache: Cache = redis ? new RedisCache(redis, config.keyPrefix) : localCache;

  const rabbit = config.amqpUrl ? new RabbitMqBus(config.amqpUrl, config.keyPrefix, logger) : undefined;
  await rabbit?.start();
  const bus: MessageBus = rabbit ?? new MemoryBus();
  const outbox = new Outbox(database.db, bus, logger);
  outbox.kick();
  const hub = new RealtimeHub(bus, logger, outbox);

  const users = new UserRepository(database.db);
  const secret = config.jwtSecret ?? embeddedSecret(config.dataDir, "jwt-secret");
  const refreshTokens = new RefreshTokens(database, config.refreshTokenTtl);
  const auth = new AuthService({
    database,
    users,
    access: new AccessTokens(secret, config.accessTokenTtl),
    refresh: refreshTokens,
    throttle: new LoginThrottle(cache, localCache, logger),
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

  const chat = new ChatService({ database, rooms: new ChatRepository(database.db), outbox });
  const notifications = new NotificationService({
    database,
    notifications: new NotificationRepository(database.db),
    outbox,
  });
  const elasticsearch = config.elasticsearchUrl ? connectElasticsearch(config.elasticsearchUrl) : undefined;
  const chosenIndex: SearchIndex = elasticsearch
    ? new ElasticsearchSearchIndex(elasticsearch, indexName(config.keyPrefix, "boards"))
    : new SqlSearchIndex(database);
  const searchIndex = overrides.searchIndex?.(chosenIndex) ?? chosenIndex;
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
  const search = new SearchService({
    log: new SearchLogRepository(database.db),
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
    reviewRepository,
  );
  const boards = new BoardService({
    database,
    cache,
    boards: boardRepository,
    categories: categoryRepository,
    searchOutbox,
    files: review,
    onViewed: (boardId, at) => rankings.boardViewed(boardId, at),
  });
  const comments = new CommentService({
    database,
    comments: commentRepository,
    boards: boardRepository,
    onCommentCreated: (tx, comment, board) => notifyBoardAuthor(tx, notifications, comment, board),
  });
  const points = new PointsService({
    database,
    points: new PointsRepository(database.db),
    onPointsChanged: (userId) => rankings.userChanged(userId),
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

  await rankings.rebuild().catch((error: unknown) => {
    logger.warn("rankings not rebuilt at start; the first read rebuilds them", { error: String(error) });
  });

  const probes: Probe[] = [
    { name: "database", ping: () => database.ping() },
    ...(redis ? [cache] : []),
    ...(rabbit ? [rabbit] : []),
    ...(elasticsearch ? [searchIndex] : []),
  ];

  return {
    config,
    logger,
    metrics: createMetrics(),
    database,
    cache,
    leaderboard,
    bus,
    services: { auth, boards, comments, points, moderation, chat, notifications, rankings, review },
    realtime: {
      hub,
      policy: destinationPolicy(chat, review),
      limits: { ...DEFAULT_LIMITS, ...config.realtime },
    },
    search: { index: searchIndex, outbox: searchOutbox, service: search },
    routes: [
      ...authRoutes(auth),
      ...userRoutes(
        new UserService({
          database,
          users,
          onNicknameChanged: (tx, userId) => boardRepository.touchShowing(tx, userId),
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
      ...reviewRoutes(review, applySuggestions),
    ],
    async readiness() {
      const states = await Promise.all(probes.map(probe));
      return Object.fromEntries(probes.map((p, i) => [p.name, states[i] ?? "down"]));
    },
    async close() {
      await outbox.stop();
      await bus.close();
      await searchOutbox.stop();
      await elasticsearch?.close();
      await cache.close();
      redis?.disconnect();
      await database.close();
    },
  };
}
