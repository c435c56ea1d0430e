export { ProviderError, type ProviderErrorKind } from './errors.ts';
export {
  DEFAULT_RETRY,
  type Endpoint,
  fixedEndpoint,
  type HttpReply,
  ProviderHttp,
  type ProviderHttpOptions,
  type RetryPolicy,
} from './provider-http.ts';
export { decodeResponse } from './validate.ts';
