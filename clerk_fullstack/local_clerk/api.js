// Talking to the backend's `/local-clerk` endpoints (routes.py) and keeping this browser's client.
//
// The client token lives in localStorage and a fresh 60-second session token is asked for on
// every getToken(), as Clerk's SDK does.

import env from "$/env.json";
import { getBackendURL } from "$/utils/state";

export const STORAGE_KEY = "__local_clerk_client";
const SESSION_COOKIE = "__session";

function apiBase() {
  // The backend's origin (and path prefix) as Reflex computes it for its own /ping endpoint.
  return `${getBackendURL(env.PING).href.replace(/\/ping\/?$/, "")}/local-clerk`;
}

export class LocalClerkAPIError extends Error {
  constructor(message, status, reason) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

export async function call(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(apiBase() + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new LocalClerkAPIError(
      data?.message || `The local sign-in service answered ${response.status}`,
      response.status,
      data?.reason,
    );
  }
  return data;
}

export function readClient() {
  try {
    const client = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
    return client?.clientToken && client?.sessionId ? client : null;
  } catch {
    return null;
  }
}

export function writeClient(client) {
  if (client) window.localStorage.setItem(STORAGE_KEY, JSON.stringify(client));
  else window.localStorage.removeItem(STORAGE_KEY);
}

export function setSessionCookie(jwt) {
  // Clerk keeps the latest session token in the `__session` cookie for same-origin requests.
  // biome-ignore lint/suspicious/noDocumentCookie: as Clerk's SDK does; a JWT needs no escaping
  document.cookie = jwt
    ? `${SESSION_COOKIE}=${jwt}; path=/; SameSite=Lax`
    : `${SESSION_COOKIE}=; path=/; SameSite=Lax; max-age=0`;
}

// The shape of Clerk's User object that the wrappers and pages read.
export function toUser(data) {
  if (!data) return null;
  const fullName = [data.first_name, data.last_name].filter(Boolean).join(" ") || null;
  const email = { id: `${data.id}_email`, emailAddress: data.email_address };
  return {
    id: data.id,
    firstName: data.first_name,
    lastName: data.last_name,
    fullName,
    primaryEmailAddress: email,
    emailAddresses: [email],
  };
}
