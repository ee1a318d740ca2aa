import type { Redis } from "ioredis";
import type { Db } from "../../db/database.ts";
import type { BoardDocuments, SearchIndex } from "../../ports.ts";
import type { AccessTokens } from "../auth/access-tokens.ts";
import type { RefreshTokens } from "../auth/refresh-tokens.ts";
import type { RankingsRepository } from "../rankings/repository.ts";
import type { RankingsService } from "../rankings/service.ts";
import { LabRepository } from "./repository.ts";
import { labRoutes } from "./routes.ts";
import { LabService } from "./service.ts";

export interface LabStart {
  db: Db;
  redis: Redis | undefined;
  keyPrefix: string;
  rankings: RankingsService;
  rankingsRepository: RankingsRepository;
  searchIndex: SearchIndex;
  documents: BoardDocuments;
  access: AccessTokens;
  refresh: RefreshTokens;
}

/** Lab mode (`CODECHEF_LAB=1`): its tables, its strategies and its routes under `/api/v1/lab`. */
export async function startLab({ db, ...deps }: LabStart) {
  const repository = new LabRepository(db);
  await repository.prepare();
  const service = new LabService({ ...deps, repository });
  return { routes: labRoutes(service), stop: () => service.stop() };
}
