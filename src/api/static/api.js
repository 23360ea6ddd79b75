// @ts-check
// Calls to the daemon's API. Writes need the API token: asked for once on a 401, kept in
// localStorage (or in memory where storage is unavailable) and asked again if rejected.

const TOKEN_KEY = "antenne.apiToken";
/** @type {string | null} */
let memoryToken = null;

function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? memoryToken;
  } catch {
    return memoryToken;
  }
}

/** @param {string | null} token */
function setToken(token) {
  memoryToken = token;
  try {
    if (token === null) localStorage.removeItem(TOKEN_KEY);
    else localStorage.setItem(TOKEN_KEY, token);
  } catch {
    /* memory only */
  }
}

export class ApiError extends Error {
  /** @param {number} status 0 when the daemon could not be reached @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** @param {unknown} data @param {number} status */
function errorText(data, status) {
  const msg = data && typeof data === "object" && "message" in data ? data.message : null;
  return typeof msg === "string" ? msg : `HTTP ${status}`;
}

/**
 * One request; resolves to the parsed JSON body (null when there is none).
 * @param {string} method @param {string} path @param {unknown} body @param {string | null} token
 */
async function send(method, path, body, token) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, `cannot reach the daemon: ${err instanceof Error ? err.message : String(err)}`);
  }
  /** @type {unknown} */
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  return { status: res.status, ok: res.ok, data };
}

/**
 * Calls the API; on 401 asks for the token once, stores it and retries.
 * @param {string} method @param {string} path @param {unknown} [body]
 * @returns {Promise<unknown>}
 */
export async function api(method, path, body) {
  let prompted = false;
  for (;;) {
    const token = getToken();
    const res = await send(method, path, body, token);
    if (res.status === 401) {
      if (prompted) {
        setToken(null);
        throw new ApiError(401, "The API token was rejected: nothing changed.");
      }
      prompted = true;
      const entered = prompt(
        token ? "The API token was rejected. Enter the API token:" : "This action needs the API token:",
      );
      if (entered === null || entered.trim() === "")
        throw new ApiError(401, "No token given: nothing changed.");
      setToken(entered.trim());
      continue;
    }
    if (!res.ok) throw new ApiError(res.status, errorText(res.data, res.status));
    return res.data;
  }
}
