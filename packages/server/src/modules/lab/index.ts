import type { Redis } from "ioredis";
import type { SqlDatabase } from "../../db/database.ts";
import type { SearchIndex } from "../../ports.ts";
import type { RankingsRepository } from "../rankings/repository.ts";
import type { RankingsService } from "../rankings/service.ts";
import type { SqlBoardDocuments } from "../search/board-documents.ts";
import { rebuildSearchIndex } from "../search/rebuild.ts";
import { LabRepository } from "./repository.ts";
import { labRouter } from "./routes.ts";
import { LabService } from "./service.ts";

export interface LabStart {
  database: SqlDatabase;
  redis: Redis | undefined;
  keyPrefix: string;
  rankings: RankingsService;
  rankingsRepository: RankingsRepository;
  search: SearchIndex;
  documents: SqlBoardDocuments;
}

/** Lab mode (`CODECHEF_LAB=1`): its tables, its strategies and its routes. */
export async function startLab(deps: LabStart) {
  const repository = new LabRepository(deps.database.db);
  await repository.prepare();
  const lab = new LabService({ ...deps, repository });
  const router = labRouter({
    lab,
    repository,
    rankingsRepository: deps.rankingsRepository,
    rankings: deps.rankings,
    db: deps.database.db,
    async afterSeed() {
      await repository.copyViewsWithoutIndex();
      await lab.loadKeywords(await repository.keywordCounts());
      await deps.rankings.rebuild();
      await rebuildSearchIndex(deps.search, deps.documents);
    },
  });
  return { router, stop: () => lab.stop() };
}
