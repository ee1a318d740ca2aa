import ipaddr from "ipaddr.js";
import { RateLimiterRes } from "rate-limiter-flexible";
import { RateLimitedError } from "./errors.ts";

/** A refusal as the 429 it answers; anything else (a store failure) is thrown on. */
export function asRateLimited(error: unknown): unknown {
  return error instanceof RateLimiterRes ? new RateLimitedError(error.msBeforeNext / 1000) : error;
}

/**
 * The key a client address is counted under: an IPv4 address (IPv4-mapped IPv6 included) as it is, an IPv6
 * address by its /64 network, which one subscriber usually holds whole.
 */
export function addressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const parsed = ipaddr.parse(ip);
  if (parsed.kind() === "ipv4") return parsed.toString();
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  return `${v6.toNormalizedString().split(":").slice(0, 4).join(":")}::/64`;
}
