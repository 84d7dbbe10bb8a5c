// TypeScript declarations for cashier's web SDK (/sdk/ams-checkout.js and .mjs), a drop-in
// for the v1 API of Antom's @alipay/ams-checkout.

export type Environment = 'sandbox' | 'prod' | 'light_sandbox';

export type Locale =
  | 'en_US' | 'pt_BR' | 'ko_KR' | 'es_ES' | 'ms_MY' | 'in_ID' | 'tl_PH' | 'th_TH'
  | 'vi_VN' | 'fr_FR' | 'nl_NL' | 'it_IT' | 'de_DE' | 'zh_CN' | 'zh_HK';

/** Codes of onEventCallback. */
export type EventCode =
  | 'SDK_START_OF_LOADING'
  | 'SDK_END_OF_LOADING'
  | 'SDK_FORM_VERIFICATION_FAILED'
  | 'SDK_DUPLICATE_SUBMISSION_BEHAVIOR'
  | 'SDK_PAYMENT_CHALLENGE'
  | 'SDK_PAYMENT_AUTHORIZATION_SUCCESSFUL'
  | 'SDK_PAYMENT_SUCCESSFUL'
  | 'SDK_PAYMENT_FAIL'
  | 'SDK_PAYMENT_PROCESSING'
  | 'SDK_PAYMENT_ERROR'
  | 'SDK_PAYMENT_CANCEL'
  | 'SDK_CREATECOMPONENT_ERROR'
  | 'SDK_SUBMIT_NETWORK_ERROR'
  | 'SDK_CALL_URL_SUCCESS'
  | 'SDK_CALL_URL_ERROR';

/** Codes of onError and of rejected promises. */
export type ErrorCode =
  | 'SDK_CREATEPAYMENT_PARAMETER_ERROR'
  | 'SDK_INIT_PARAMETER_ERROR'
  | 'SDK_INTERNAL_ERROR'
  | 'SDK_CREATECOMPONENT_ERROR';

export interface Result {
  resultCode: string;
  /** S, F or U */
  resultStatus: string;
  resultMessage: string;
}

export interface CardPaymentResultInfo {
  /** The masked card number, e.g. 405469******0768 */
  cardNo?: string;
  cardBrand?: string;
  [key: string]: unknown;
}

/** The `result` of a payment event. For display only: the merchant's server decides from
 * notifyPayment or inquiryPayment. */
export interface PaymentResult {
  result: Result;
  paymentResultCode: string;
  paymentResultMessage: string;
  /** SUCCESS, FAIL, PROCESSING or CANCELLED */
  paymentStatus: string;
  redirectUrls: { normalUrl: string; schemeUrl: string; applinkUrl: string };
  cardPaymentResultInfo?: CardPaymentResultInfo;
}

export interface SDKEvent {
  code: EventCode;
  message?: string;
  result?: PaymentResult;
}

export interface SDKError {
  code: ErrorCode;
  message: string;
}

export interface LogEntry {
  code: string;
  message: string;
}

export interface SizeChange {
  width: number;
  height: number;
}

export interface AMSCashierPaymentOptions {
  /** Anything else logs a console warning and means prod. */
  environment?: Environment;
  /** An unknown locale means en_US. */
  locale?: Locale;
  /** Accepted for compatibility; cashier sends no analytics anywhere. */
  analytics?: { enabled: boolean };
  onEventCallback?: (event: SDKEvent) => void;
  onError?: (error: SDKError) => void;
  onLog?: (log: LogEntry) => void;
  onClose?: () => void;
  onSizeChanged?: (size: SizeChange) => void;
  [key: string]: unknown;
}

export interface Appearance {
  /** Show a spinner until the form is ready. Default true. */
  showLoading?: boolean;
  /** The form's own pay button. Default false for mountComponent, true for createComponent. */
  showSubmitButton?: boolean;
  [key: string]: unknown;
}

export interface ComponentParams {
  /** paymentSessionData from createPaymentSession. */
  sessionData?: string;
  /** The same, under its API name. */
  paymentSessionData?: string;
  appearance?: Appearance;
  /** true: no redirect to paymentRedirectUrl after a final result; results come only through onEventCallback. */
  notRedirectAfterComplete?: boolean;
  merchantAppointParam?: { storedCard?: { needCVV?: boolean } };
  [key: string]: unknown;
}

export declare class AMSCashierPayment {
  /** Throws Error('Parameter type should be function') when a callback is not a function. */
  constructor(options?: AMSCashierPaymentOptions);
  readonly options: Required<Pick<AMSCashierPaymentOptions, 'environment' | 'locale'>> & AMSCashierPaymentOptions;
  readonly version: string;
  /** Opens the card form in a full-page popup; resolves when the form is ready. */
  createComponent(params: ComponentParams): Promise<void>;
  /** Puts the card form into the element; resolves when the form is ready. */
  mountComponent(params: ComponentParams, selector: string | Element): Promise<void>;
  /** Submits the form; resolves with the event that ends the attempt. */
  submit(): Promise<SDKEvent>;
  /** Checks the fields and shows their messages; false before the form is ready. */
  validateFields(): Promise<{ isValid: boolean }>;
  /** Removes the component and its listeners. */
  unmount(): void;
}

export declare const AMSCheckout: typeof AMSCashierPayment;
export declare const AMSCheckoutPage: typeof AMSCashierPayment;
export declare const version: string;
export default AMSCashierPayment;

declare global {
  interface Window {
    AMSCashierPayment: typeof AMSCashierPayment;
    AMSCheckout: typeof AMSCashierPayment;
    AMSCheckoutPage: typeof AMSCashierPayment;
  }
}
