import { errors, jwtVerify, SignJWT } from "jose";
import { UnauthenticatedError } from "../../shared/errors.ts";

export interface AccessClaims {
  userId: number;
  /** The refresh-token family (the sign-in) the token was issued for: revoking it revokes the token. */
  familyId: string;
  /** When the token stops being valid, epoch ms. */
  expiresAt: number;
}

const ALGORITHM = "HS256";
const TYPE = "at+jwt";
/** Three canonical base64url segments: no padding, no fourth segment, no unused bits set. */
const COMPACT = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const canonical = (segment: string) => Buffer.from(segment, "base64url").toString("base64url") === segment;
/** Verified tokens remembered, oldest forgotten first. */
const MAX_VERIFIED = 10_000;

/** HS256 JWTs (RFC 9068 `at+jwt`) for access tokens, made and checked by jose; the refresh side is opaque. */
export class AccessTokens {
  readonly #key: Uint8Array;
  readonly ttlSeconds: number;
  /** Tokens whose signature and claims were checked, so a repeat costs no HMAC; expiry is checked on every use. */
  readonly #verified = new Map<string, AccessClaims>();

  constructor(secret: string, ttlSeconds: number) {
    this.#key = new TextEncoder().encode(secret);
    this.ttlSeconds = ttlSeconds;
  }

  issue(userId: number, familyId: string, now = Date.now()): Promise<string> {
    const iat = Math.floor(now / 1000);
    return new SignJWT({ fid: familyId })
      .setProtectedHeader({ alg: ALGORITHM, typ: TYPE })
      .setSubject(String(userId))
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .sign(this.#key);
  }

  async verify(token: string, now = Date.now()): Promise<AccessClaims> {
    const known = this.#verified.get(token);
    if (known) {
      // jose's rule: expired once `exp` (whole seconds) is not after the current second.
      if (known.expiresAt / 1000 <= Math.floor(now / 1000)) {
        throw new UnauthenticatedError("access token expired", "TOKEN_EXPIRED");
      }
      return known;
    }
    const claims = await this.#verifyNew(token, now);
    this.#verified.set(token, claims);
    if (this.#verified.size > MAX_VERIFIED)
      this.#verified.delete(this.#verified.keys().next().value as string);
    return claims;
  }

  async #verifyNew(token: string, now: number): Promise<AccessClaims> {
    if (!COMPACT.test(token) || !token.split(".").every(canonical)) {
      throw new UnauthenticatedError("malformed access token");
    }
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: [ALGORITHM],
        typ: TYPE,
        requiredClaims: ["sub", "iat", "exp", "fid"],
        currentDate: new Date(now),
      });
      const userId = /^[1-9]\d{0,15}$/.test(payload.sub ?? "") ? Number(payload.sub) : Number.NaN;
      if (
        !Number.isSafeInteger(userId) ||
        typeof payload.fid !== "string" ||
        (payload.iat ?? 0) * 1000 > now + 60_000
      ) {
        throw new UnauthenticatedError("malformed access token");
      }
      return { userId, familyId: payload.fid, expiresAt: (payload.exp ?? 0) * 1000 };
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        throw new UnauthenticatedError("access token expired", "TOKEN_EXPIRED");
      if (error instanceof UnauthenticatedError) throw error;
      throw new UnauthenticatedError("invalid access token");
    }
  }
}
