/**
 * Built-in backend protocols (SPEC §7), in the order `--help` lists them. Adding one = one file + one row.
 *
 * @module
 */
import type { BackendProtocol } from "../core/backend.ts";
import { bittorrentPass } from "./bittorrent_pass.ts";
import { echo } from "./echo.ts";
import { httpProxy } from "./http_proxy.ts";
import { httpResponse } from "./http_response.ts";
import { noop } from "./noop.ts";
import { pass } from "./pass.ts";

/** Every built-in backend protocol. */
export const BACKENDS: readonly BackendProtocol[] = [
  pass,
  noop,
  echo,
  bittorrentPass,
  httpResponse,
  httpProxy,
];
