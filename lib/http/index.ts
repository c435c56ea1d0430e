export { errorBodySummary, providerSaid } from './error-text.ts';
export { ProviderError, type ProviderErrorKind } from './errors.ts';
export {
  type Endpoint,
  fixedEndpoint,
  type HttpReply,
  ProviderHttp,
  type ProviderHttpOptions,
  type RetryPolicy,
} from './provider-http.ts';
