/**
 * DNS providers of the dns-01 challenge (SPEC §14): built-ins in a table, chosen by `provider=`.
 *
 * @module
 */
import { execProvider } from "./exec.ts";
import { rfc2136Provider } from "./rfc2136.ts";
import type { DnsProviderFactory } from "./types.ts";

export {
  challengeRecordName,
  type DnsProvider,
  type DnsProviderFactory,
  type DnsProviderServices,
} from "./types.ts";
export { execProvider } from "./exec.ts";
export { createRfc2136Provider, parseDnsServer, rfc2136Provider } from "./rfc2136.ts";
export { parseTsigKey, type TsigKey } from "./tsig.ts";

/** Built-in DNS providers. */
export const DNS_PROVIDERS: readonly DnsProviderFactory[] = [rfc2136Provider, execProvider];
