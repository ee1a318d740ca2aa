import { createHash } from "node:crypto";
import unhomoglyph from "unhomoglyph";
import { ConflictError } from "./errors.ts";

/** Names that would pass for the site or its staff; compared by skeleton, so look-alikes are refused too. */
const RESERVED = [
  "admin",
  "administrator",
  "codechef",
  "root",
  "system",
  "moderator",
  "mod",
  "staff",
  "support",
  "official",
  "security",
  "superuser",
  "sysadmin",
  "webmaster",
  "operator",
  "anonymous",
  "everyone",
  "null",
  "undefined",
];

/**
 * The Unicode TR39 skeleton (confusables.txt prototypes between two NFDs) of the lower-cased name: two nicknames
 * that look alike (`admin`, `аdmin` with a Cyrillic а, `adrnin`, `ADMIN`) have the same skeleton. Folding case
 * first loses that a capital I passes for an l, so i and l count as one letter too.
 */
export function skeleton(nickname: string): string {
  return unhomoglyph(nickname.toLowerCase().normalize("NFD"))
    .normalize("NFD")
    .toLowerCase()
    .replaceAll("i", "l");
}

/** What the unique `users.nickname_key` column holds: a fixed-size digest of the skeleton. */
export function nicknameKey(nickname: string): string {
  return createHash("sha256").update(skeleton(nickname)).digest("hex");
}

const separators = (text: string) => text.replace(/[\s\p{P}\p{S}_]/gu, "");
const reserved = new Set(RESERVED.map((name) => separators(skeleton(name))));

/** True for a reserved name or a look-alike, whatever the separators (`Ad-min`, `sys_tem`). */
export function isReservedNickname(nickname: string): boolean {
  return reserved.has(separators(skeleton(nickname)));
}

export const nicknameTaken = () =>
  new ConflictError("this nickname, or one that looks the same, is taken", "NICKNAME_TAKEN");
