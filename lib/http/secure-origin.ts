/**
 * Where credentials may be sent: over https anywhere, over plain http only to this machine (a
 * simulator, a tunnel, a sidecar). The config checks base URLs with it, and every request again.
 */
export function credentialsMayGoTo(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
}

export const INSECURE_URL_FIX =
  'plain http is allowed only to this machine (localhost, 127.0.0.0/8, ::1); use an https URL';

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
