import { createHmac, timingSafeEqual } from "node:crypto";
import { UnauthenticatedError } from "../../shared/errors.ts";

export interface AccessClaims {
  sub: number;
  iat: number;
  exp: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

/** HS256 JWTs for access tokens; the refresh side is opaque and lives in the database. */
export class AccessTokens {
  readonly #secret: string;
  readonly ttlSeconds: number;

  constructor(secret: string, ttlSeconds: number) {
    this.#secret = secret;
    this.ttlSeconds = ttlSeconds;
  }

  #sign(data: string): Buffer {
    return createHmac("sha256", this.#secret).update(data).digest();
  }

  issue(userId: number, now = Date.now()): string {
    const iat = Math.floor(now / 1000);
    const claims: AccessClaims = { sub: userId, iat, exp: iat + this.ttlSeconds };
    const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
    return `${body}.${this.#sign(body).toString("base64url")}`;
  }

  verify(token: string, now = Date.now()): AccessClaims {
    const [header, payload, signature] = token.split(".");
    if (header !== HEADER || !payload || !signature) throw new UnauthenticatedError("malformed access token");
    const expected = this.#sign(`${header}.${payload}`);
    const actual = Buffer.from(signature, "base64url");
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new UnauthenticatedError("invalid access token");
    }
    let claims: AccessClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as AccessClaims;
    } catch {
      throw new UnauthenticatedError("malformed access token");
    }
    if (!Number.isInteger(claims.sub) || !Number.isInteger(claims.exp)) {
      throw new UnauthenticatedError("malformed access token");
    }
    if (claims.exp * 1000 <= now) throw new UnauthenticatedError("access token expired", "TOKEN_EXPIRED");
    return claims;
  }
}
