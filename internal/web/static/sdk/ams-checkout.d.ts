// TypeScript declarations for cashier's web SDK (/sdk/ams-checkout.js and .mjs), a drop-in
// for the v1 API of Antom's @alipay/ams-checkout.

export type Environment = 'sandbox' | 'prod' | 'light_sandbox';

/** The form's languages. Any other string is passed on as given and shows en_US. */
export type Locale =
  | 'en_US' | 'pt_BR' | 'ko_KR' | 'es_ES' | 'ms_MY' | 'in_ID' | 'tl_PH' | 'th_TH'
  | 'vi_VN' | 'fr_FR' | 'nl_NL' | 'it_IT' | 'de_DE' | 'zh_CN' | 'zh_HK'
  | (string & {});

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
  | 'SDK_CALL_URL_ERROR'
  /** A parameter that does not apply was ignored (needCVV for a session without a saved card). */
  | 'SDK_PAYMENT_WARN'
  /** isNativeAppWebview: the app should open result.redirectUrls; the SDK does not navigate. */
  | 'SDK_REDIRECT';

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

/** The `result` of an AMSVaulting event. For display only: the merchant's server gets the
 * card token from notifyVaulting or inquireVaulting. */
export interface VaultingResult {
  result: Result;
  /** SUCCESS, FAIL or PROCESSING (during 3-D Secure) */
  vaultingStatus: string;
  /** normalUrl is the session's redirectUrl, "" when it has none. */
  redirectUrls: { normalUrl: string; schemeUrl: string; applinkUrl: string };
  /** The card, once the buyer gave one: as in notifyVaulting, without the cardToken. */
  paymentMethodDetail?: { paymentMethodType: 'CARD'; card: { maskedCardNo: string; brand: string } };
}

export interface SDKEvent {
  code: EventCode;
  message?: string;
  /** SDK_REDIRECT carries only redirectUrls; AMSVaulting's events carry a VaultingResult. */
  result?: PaymentResult | VaultingResult | Pick<PaymentResult, 'redirectUrls'>;
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

/** The answer of onBeforeSubmit: CANCEL and ERROR stop the submission (submit() then
 * resolves with SDK_PAYMENT_CANCEL), CONTINUE, IGNORE and TIMEOUT let it go. A handler that
 * throws or rejects answers ERROR; one that does not answer within 10 s, TIMEOUT. */
export interface BeforeSubmitResult {
  result: 'CANCEL' | 'CONTINUE' | 'ERROR' | 'IGNORE' | 'TIMEOUT';
  processType?: string;
  submitRequestData?: Record<string, any>;
}

export interface BillingAddress {
  /** Two-letter country code. */
  region?: string;
  state?: string;
  city?: string;
  address1?: string;
  address2?: string;
  zipCode?: string;
}

export interface SubmitData {
  /** Fills the form's billing address fields and goes with the card to the issuer (AVS). */
  billingAddress?: BillingAddress;
}

export interface PreloadOptions {
  /** Accepted for compatibility. */
  environment?: string;
  /** Accepted for compatibility. */
  securityRegion?: 'US' | 'SG' | 'DE';
}

/** The real package's Apple Pay; cashier takes cards only. */
export type PaymentMethodType = 'ApplePay';

export interface AMSCashierPaymentOptions {
  /** Anything else logs a console warning and means prod. */
  environment?: Environment;
  /** Passed on as given; the form shows a locale it lacks in en_US. */
  locale?: Locale;
  /** Accepted for compatibility; cashier sends no analytics anywhere. */
  analytics?: { enabled: boolean };
  onEventCallback?: (event: SDKEvent) => void;
  onError?: (error: SDKError) => void;
  onLog?: (log: LogEntry) => void;
  /** The buyer closed the popup (close button or Escape). */
  onClose?: () => void;
  /** The component's height changed with its content. */
  onSizeChanged?: (size: SizeChange) => void;
  /** Called once the form is ready: the component takes cards only. */
  onPaymentMethodSelected?: (state: { paymentMethodType: string }) => void;
  /** The real package's Address Element callback: accepted and checked, never called. */
  onChange?: () => { complete: boolean; addressValue: unknown[]; selectIndex: number | string };
  /** Asked before each payment submission (the form's button or submit()); see BeforeSubmitResult. */
  onBeforeSubmit?: (state?: { paymentMethodType: string }) => BeforeSubmitResult | Promise<BeforeSubmitResult>;
  [key: string]: unknown;
}

export interface Appearance {
  /** Show a spinner until the form is ready. Default true. */
  showLoading?: boolean;
  /** The form's own pay button. Default false for mountComponent, true for createComponent. */
  showSubmitButton?: boolean;
  /** 'default' or 'night' (light text on a dark panel); other names give the default. */
  themeType?: string;
  /** A CSS colour for the pay button, focus and checkboxes; an invalid colour is ignored. */
  accentColor?: string;
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
  /** In a native app's webview: SDK_REDIRECT with the URLs instead of the SDK's own redirect. */
  isNativeAppWebview?: boolean;
  [key: string]: unknown;
}

export declare class AMSCashierPayment {
  /** Throws Error('Parameter type should be function') when a callback is not a function. */
  constructor(options?: AMSCashierPaymentOptions);
  /** Opens the connection to the gateway before a session exists (once a page). */
  static preload(options?: PreloadOptions): void;
  readonly options: Required<Pick<AMSCashierPaymentOptions, 'environment' | 'locale'>> & AMSCashierPaymentOptions;
  readonly version: string;
  /** Opens the card form in a full-page popup; resolves when the form is ready. */
  createComponent(params: ComponentParams): Promise<void>;
  /** Puts the card form into the element; resolves when the form is ready. */
  mountComponent(params: ComponentParams, selector: string | Element): Promise<void>;
  /** Submits the form; resolves with the event that ends the attempt. */
  submit(data?: SubmitData): Promise<SDKEvent>;
  /** Whether the component can take the method: true with none (the card), false for Apple Pay. */
  canMakePayments(paymentMethod?: PaymentMethodType, subPaymentMethod?: string): Promise<boolean>;
  /** preload for an instance; the arguments name the real package's web apps and are ignored. */
  preloadComponent(channelType?: unknown, productSceneVersion?: unknown): void;
  /** Checks the fields and shows their messages; false before the form is ready. */
  validateFields(): Promise<{ isValid: boolean }>;
  /** Removes the component and its listeners. */
  unmount(): void;
}

export declare const AMSCheckout: typeof AMSCashierPayment;
export declare const AMSCheckoutPage: typeof AMSCashierPayment;

export interface VaultingComponentParams {
  /** vaultingSessionData from createVaultingSession. */
  sessionData?: string;
  /** The same, under its API name. */
  vaultingSessionData?: string;
  appearance?: Appearance;
  /** true: no redirect to the session's redirectUrl after the result (without one, none anyway). */
  notRedirectAfterComplete?: boolean;
  /** In a native app's webview: SDK_REDIRECT with the URLs instead of the SDK's own redirect. */
  isNativeAppWebview?: boolean;
  [key: string]: unknown;
}

/**
 * Card saving: the form of a vaulting session (createVaultingSession), with the same options,
 * lifecycle and event codes as AMSCashierPayment. A payment session's data is refused
 * (SDK_CREATEPAYMENT_PARAMETER_ERROR), as AMSCashierPayment refuses a vaulting session's.
 */
export declare class AMSVaulting extends AMSCashierPayment {
  constructor(options?: AMSCashierPaymentOptions);
  /** Opens the card-saving form in a full-page popup; resolves when the form is ready. */
  createComponent(params: VaultingComponentParams): Promise<void>;
  /** Puts the card-saving form into the element; resolves when the form is ready. */
  mountComponent(params: VaultingComponentParams, selector: string | Element): Promise<void>;
}

/**
 * The real package's other products. cashier serves the card drop-in and card saving only:
 * these exist so that code naming them loads, and their constructors throw an Error saying so.
 */
export declare class UnsupportedProduct {
  /** @throws always */
  constructor(options?: unknown);
}
export declare const AMSElement: typeof UnsupportedProduct;
export declare const AntomElement: typeof UnsupportedProduct;
export declare const AMSAutoDebit: typeof UnsupportedProduct;
export declare const AMSEasyPay: typeof UnsupportedProduct;
export declare const AddressElement: typeof UnsupportedProduct;
export declare const version: string;
export default AMSCashierPayment;

declare global {
  interface Window {
    AMSCashierPayment: typeof AMSCashierPayment;
    AMSCheckout: typeof AMSCashierPayment;
    AMSCheckoutPage: typeof AMSCashierPayment;
    AMSElement: typeof UnsupportedProduct;
    AntomElement: typeof UnsupportedProduct;
    AMSVaulting: typeof AMSVaulting;
    AMSAutoDebit: typeof UnsupportedProduct;
    AMSEasyPay: typeof UnsupportedProduct;
    AddressElement: typeof UnsupportedProduct;
  }
}
