export type RankingKind = "boards" | "users" | "keywords";

export interface RankingItem {
  key: string;
  label: string;
  score: number;
}

/** Any ranking as keyed items, best first. */
export function rankingItems(kind: RankingKind, result: { items: unknown[] }): RankingItem[] {
  return result.items.map((item) => {
    const row = item as {
      id?: number;
      title?: string;
      views?: number;
      nickname?: string;
      points?: number;
      keyword?: string;
      count?: number;
    };
    if (kind === "boards")
      return { key: `b${row.id}`, label: `#${row.id} ${row.title}`, score: row.views ?? 0 };
    if (kind === "users") return { key: `u${row.id}`, label: row.nickname ?? "", score: row.points ?? 0 };
    return { key: `k${row.keyword}`, label: row.keyword ?? "", score: row.count ?? 0 };
  });
}

export const rankingRows = (kind: RankingKind, result: { items: unknown[] }) =>
  rankingItems(kind, result).map((item, index) => [index + 1, item.label, item.score]);

/** How each item moved since the previous snapshot: positive is up, "new" when it was not ranked. */
export function movements(
  previous: RankingItem[] | undefined,
  current: RankingItem[],
): Map<string, number | "new"> {
  const moves = new Map<string, number | "new">();
  if (!previous) return moves;
  const before = new Map(previous.map((item, index) => [item.key, index]));
  current.forEach((item, index) => {
    const was = before.get(item.key);
    moves.set(item.key, was === undefined ? "new" : was - index);
  });
  return moves;
}
