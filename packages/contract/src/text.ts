import { z } from "zod";

const CONTROL = /\p{Cc}/u;
const BIDI_CONTROL = /\p{Bidi_Control}/u;
const FORMAT = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
const INVISIBLE_ONLY = /^[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}\p{M}\u2800]*$/u;

/**
 * One line of text shown to other people (a title, a nickname): NFC-normalised and trimmed; no control characters
 * (NUL, terminal escapes, line breaks), no bidirectional controls (right-to-left overrides, isolates, marks), and
 * something visible. `strict` (names) refuses every invisible format character too (zero-width spaces, joiners),
 * so two names that look alike cannot differ only in what cannot be seen.
 */
export function lineOfText(min: number, max: number, { strict = false } = {}) {
  return z
    .string()
    .normalize("NFC")
    .trim()
    .min(min, { abort: true })
    .max(max, { abort: true })
    .refine((text) => !CONTROL.test(text), { message: "must not contain control characters", abort: true })
    .refine((text) => !BIDI_CONTROL.test(text), {
      message: "must not contain bidirectional control characters",
      abort: true,
    })
    .refine((text) => !INVISIBLE_ONLY.test(text), { message: "must contain visible characters", abort: true })
    .refine((text) => !strict || !FORMAT.test(text), "must not contain invisible characters");
}

/** At most `max` bytes once encoded as UTF-8 (what the database stores), besides its length in characters. */
export const utf8Bytes = (max: number) => (text: string) => new TextEncoder().encode(text).length <= max;
