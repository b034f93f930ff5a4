// What each state of an activation looks like (issue 26): one function per screen, given the status and
// the page's transient state, returning the content of <main>. Texts come from the catalogue only.
import type { Status } from './api';
import { h, type Child } from './dom';
import type { I18n } from './i18n';

export type Screen =
  'loading' | 'error' | 'waiting' | 'otp' | 'liveness' | 'pay' | 'activated' | 'failed' | 'cancelled' | 'held';

/** A message about the last action, worded when drawn, so switching language rewords it too. */
export interface Notice {
  kind: 'error' | 'info';
  say(i: I18n): string;
}

export interface LivenessView {
  phase: 'idle' | 'preview' | 'capturing' | 'review' | 'sending' | 'files';
  stream?: MediaStream;
  shots: Blob[];
  shotUrls: string[];
}

export interface ScreenContext {
  i: I18n;
  status?: Status;
  notice?: Notice;
  busy: boolean;
  /** What the customer has typed in the OTP field so far, drawn back into it: a redraw never loses it. */
  otpDraft: string;
  liveness: LivenessView;
  imagesNeeded: number;
  returnUrl: string;
  on: {
    otpInput(draft: string): void;
    submitOtp(code: string): void;
    resend(): void;
    startCamera(): void;
    capture(): void;
    retake(): void;
    sendSelfies(): void;
    addFile(file: File): void;
  };
}

export function screenOf(status: Status | undefined): Screen {
  if (!status) return 'loading';
  if (status.state === 'activated') return 'activated';
  if (status.state === 'failed') return 'failed';
  if (status.state === 'cancelled') return 'cancelled';
  if (status.needsAttention) return 'held';
  switch (status.nextAction.type) {
    case 'submit_otp':
      return 'otp';
    case 'submit_liveness':
      return 'liveness';
    case 'pay':
      return status.nextAction.paymentLink ? 'pay' : 'waiting';
    default:
      return 'waiting';
  }
}

const title = (text: string) => h('h1', { id: 'title', tabindex: -1 }, text);

function noticeOf(ctx: ScreenContext): Child {
  const notice = ctx.notice;
  if (!notice) return null;
  return h('p', { class: `notice ${notice.kind}`, id: 'notice' }, notice.say(ctx.i));
}

/** Where the customer is: the steps in order, the current one named for screen readers too. */
function steps(ctx: ScreenContext, current: 'verify' | 'selfie' | 'pay' | 'done'): HTMLElement {
  const { m } = ctx.i;
  const list: [string, string][] = [];
  if (ctx.status?.liveness?.required || current === 'selfie' || ctx.status?.liveness)
    list.push(['selfie', m.stepSelfie]);
  list.push(['verify', m.stepVerify], ['pay', m.stepPay], ['done', m.stepDone]);
  const at = list.findIndex(([key]) => key === current);
  return h(
    'ol',
    { class: 'steps', 'aria-label': m.stepsLabel },
    ...list.map(([key, label], index) =>
      h(
        'li',
        { class: index < at ? 'done' : index === at ? 'current' : 'todo', 'aria-current': key === current && 'step' },
        label,
        index < at ? h('span', { class: 'visually-hidden' }, ` ${m.stepDoneMark}`) : null,
        index === at ? h('span', { class: 'visually-hidden' }, ` ${m.stepCurrent}`) : null,
      ),
    ),
  );
}

function countdown(i: I18n, until: string | undefined): HTMLElement {
  return h('span', { 'data-until': until ?? '' }, until ? i.countdown(Date.parse(until) - Date.now()) : '');
}

export function render(screen: Screen, ctx: ScreenContext): Child[] {
  const { i, status } = ctx;
  const { m } = i;
  switch (screen) {
    case 'loading':
      return [title(m.loading), h('div', { class: 'spinner', 'aria-hidden': 'true' })];
    case 'error':
      return [title(m.errorTitle), h('p', {}, m.errorBody)];
    case 'waiting':
      return [
        steps(ctx, status?.state === 'activating' || status?.state === 'awaiting_payment' ? 'done' : 'verify'),
        title(m.waitingTitle),
        h('div', { class: 'spinner', 'aria-hidden': 'true' }),
        h(
          'p',
          {},
          status?.state === 'requesting_otp'
            ? m.requestingOtp
            : status?.state === 'awaiting_payment'
              ? m.payWaiting
              : m.activating,
        ),
        noticeOf(ctx),
      ];
    case 'otp':
      return otpScreen(ctx);
    case 'liveness':
      return livenessScreen(ctx);
    case 'pay':
      return payScreen(ctx);
    case 'activated':
      return [steps(ctx, 'done'), title(m.activatedTitle), h('p', { class: 'success' }, m.activatedBody)];
    case 'cancelled':
      return [title(m.cancelledTitle), h('p', {}, m.cancelledBody)];
    case 'failed':
      return [
        title(m.failedTitle),
        h('p', {}, (status?.failureReason && m.reasons[status.failureReason]) || m.reasons.vlens_rejected || ''),
        h('p', {}, m.failedNext),
      ];
    case 'held':
      return [title(m.heldTitle), h('div', { class: 'spinner', 'aria-hidden': 'true' }), h('p', {}, m.heldBody)];
  }
}

function otpScreen(ctx: ScreenContext): Child[] {
  const { i, status } = ctx;
  const { m } = i;
  const otp = status?.otp;
  const next = status?.nextAction;
  const attemptsLeft = next?.attemptsLeft ?? otp?.attemptsLeft ?? 0;
  const sendsLeft = next?.sendsLeft ?? otp?.sendsLeft ?? 0;
  const resendAt = next?.resendAvailableAt ?? otp?.resendAvailableAt;
  const coolingDown = resendAt !== undefined && Date.parse(resendAt) > Date.now();
  const input = h('input', {
    id: 'otp',
    name: 'otp',
    type: 'text',
    autocomplete: 'one-time-code',
    inputmode: 'numeric',
    pattern: '[0-9]*',
    maxlength: 8,
    required: true,
    'aria-describedby': ctx.notice?.kind === 'error' ? 'otp-hint notice' : 'otp-hint',
    'aria-invalid': ctx.notice?.kind === 'error' ? 'true' : undefined,
    disabled: ctx.busy,
    oninput: (event: Event) => ctx.on.otpInput((event.target as HTMLInputElement).value),
  });
  // The property, not the attribute: the code stays out of the markup.
  input.value = ctx.otpDraft;
  const form = h(
    'form',
    {
      novalidate: true,
      onsubmit: (event: Event) => {
        event.preventDefault();
        ctx.on.submitOtp(input.value);
      },
    },
    h('label', { for: 'otp' }, m.otpLabel),
    h('p', { id: 'otp-hint', class: 'hint' }, m.otpHint),
    input,
    noticeOf(ctx),
    h('button', { type: 'submit', class: 'primary', disabled: ctx.busy }, ctx.busy ? m.otpSubmitting : m.otpSubmit),
  );
  return [
    steps(ctx, 'verify'),
    title(m.otpTitle),
    h('p', {}, m.otpIntro),
    form,
    h(
      'ul',
      { class: 'facts' },
      h('li', { id: 'attempts-left' }, i.p(m.otpAttemptsLeft, attemptsLeft)),
      next?.expiresAt ? h('li', { id: 'expires' }, ...withCountdown(i, m.otpExpiresIn, next.expiresAt)) : null,
      h('li', { id: 'sends-left' }, sendsLeft > 0 ? i.p(m.sendsLeft, sendsLeft) : m.noSendsLeft),
    ),
    h(
      'div',
      { class: 'resend' },
      h(
        'button',
        {
          type: 'button',
          id: 'resend',
          class: 'secondary',
          disabled: ctx.busy || coolingDown || sendsLeft <= 0,
          'data-enable-at': coolingDown ? resendAt : undefined,
          onclick: () => ctx.on.resend(),
        },
        m.resend,
      ),
      coolingDown && sendsLeft > 0
        ? h('p', { id: 'resend-wait', class: 'hint' }, ...withCountdown(i, m.resendIn, resendAt))
        : null,
    ),
  ];
}

/** A sentence with a live countdown where `{time}` stands (main.ts ticks every [data-until]). */
function withCountdown(i: I18n, text: string, until: string | undefined): Child[] {
  const [before = '', after = ''] = text.split('{time}');
  return [before, countdown(i, until), after];
}

function livenessScreen(ctx: ScreenContext): Child[] {
  const { i, liveness } = ctx;
  const { m } = i;
  const body: Child[] = [steps(ctx, 'selfie'), title(m.livenessTitle), h('p', {}, m.livenessIntro)];
  const busy = ctx.busy || liveness.phase === 'sending' || liveness.phase === 'capturing';
  switch (liveness.phase) {
    case 'idle':
      body.push(
        noticeOf(ctx),
        h(
          'button',
          { type: 'button', class: 'primary', id: 'camera-on', onclick: () => ctx.on.startCamera() },
          m.livenessStartCamera,
        ),
      );
      break;
    case 'preview':
    case 'capturing': {
      const video = h('video', {
        id: 'preview',
        autoplay: true,
        muted: true,
        playsinline: true,
        'aria-label': m.livenessPreviewLabel,
      });
      video.srcObject = liveness.stream ?? null;
      body.push(
        h('div', { class: 'camera' }, video),
        noticeOf(ctx),
        h(
          'button',
          { type: 'button', class: 'primary', id: 'capture', disabled: busy, onclick: () => ctx.on.capture() },
          liveness.phase === 'capturing' ? m.livenessCapturing : m.livenessCapture,
        ),
      );
      break;
    }
    case 'files': {
      const total = ctx.imagesNeeded;
      const taken = liveness.shots.length;
      const file = h('input', {
        id: 'selfie-file',
        type: 'file',
        accept: 'image/*',
        capture: 'user',
        onchange: (event: Event) => {
          const chosen = (event.target as HTMLInputElement).files?.[0];
          if (chosen) ctx.on.addFile(chosen);
        },
      });
      body.push(
        h('p', {}, i.t(m.livenessNoCamera, { n: total })),
        h('label', { for: 'selfie-file' }, i.t(m.livenessFileLabel, { n: taken + 1, total })),
        file,
        h('p', { class: 'hint' }, i.t(m.livenessFileProgress, { n: taken, total })),
        noticeOf(ctx),
      );
      break;
    }
    case 'review':
    case 'sending':
      body.push(
        h(
          'ul',
          { class: 'shots' },
          ...liveness.shotUrls.map((url, n) =>
            h('li', {}, h('img', { src: url, alt: i.t(m.livenessShotLabel, { n: n + 1 }), width: 96, height: 96 })),
          ),
        ),
        noticeOf(ctx),
        h(
          'div',
          { class: 'row' },
          h(
            'button',
            {
              type: 'button',
              class: 'primary',
              id: 'send-selfies',
              disabled: busy,
              onclick: () => ctx.on.sendSelfies(),
            },
            liveness.phase === 'sending' ? m.livenessSending : m.livenessSend,
          ),
          h(
            'button',
            { type: 'button', class: 'secondary', id: 'retake', disabled: busy, onclick: () => ctx.on.retake() },
            m.livenessRetake,
          ),
        ),
      );
      break;
  }
  return body;
}

function payScreen(ctx: ScreenContext): Child[] {
  const { i, status } = ctx;
  const { m } = i;
  const link = status?.nextAction.paymentLink ?? '';
  let href = '';
  try {
    const url = new URL(link);
    // The provider sends the customer back here when the payment is done (Kashier's merchantRedirect;
    // the sandbox's page honours it). Never the client secret: it stays in this tab's sessionStorage.
    if (url.protocol === 'https:' || url.protocol === 'http:') {
      url.searchParams.set('merchantRedirect', ctx.returnUrl);
      href = url.toString();
    }
  } catch {
    href = '';
  }
  const deadline = status?.nextAction.expiresAt ?? status?.payment?.deadline;
  return [
    steps(ctx, 'pay'),
    title(m.payTitle),
    h('p', {}, m.payIntro),
    href ? h('a', { class: 'button primary', id: 'pay', href, rel: 'noreferrer' }, m.payButton) : null,
    deadline ? h('p', { class: 'hint' }, i.t(m.payDeadline, { time: i.time(deadline) })) : null,
    h('p', { class: 'hint' }, m.payWaiting),
    noticeOf(ctx),
  ];
}
