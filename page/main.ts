// The hosted activation page (issue 26): reads the client secret from the fragment, checks it against the
// gateway, applies the tenant's branding, then follows the activation on its event stream (no polling) and
// shows the screen for each state (screens.ts). Every customer action is one call to the gateway's app
// routes (api.ts) with the device's position and clock (device.ts).
import { Api, ApiError, type PageConfig, type Status } from './api';
import { base64Of, captureFrames, compressFile, openFrontCamera, stopCamera, TooLarge } from './camera';
import { currentDevice, LocationUnavailable, newIdempotencyKey } from './device';
import { StatusStream } from './events';
import { byId, markFocus, restoreFocus } from './dom';
import { applyDocumentLanguage, chosenLanguage, i18n, rememberLanguage, type I18n, type Language } from './i18n';
import { render, screenOf, type LivenessView, type Notice, type Screen } from './screens';
import { forgetClientSecret, requestIdFromPath, takeClientSecret } from './session';

const TERMINAL = ['activated', 'failed', 'cancelled'];

class Page {
  private i: I18n;
  private status?: Status;
  private screen: Screen = 'loading';
  private notice?: Notice;
  private busy = false;
  /** The OTP field's content, kept across redraws; emptied once a code is answered or a new one is sent. */
  private otpDraft = '';
  private config: PageConfig = { liveness: { images: 4, maxImageBytes: 400_000 } };
  private liveness: LivenessView = { phase: 'idle', shots: [], shotUrls: [] };
  private events?: StatusStream;
  private readonly main = byId<HTMLElement>('main');
  private readonly live = byId<HTMLElement>('live');

  constructor(
    private readonly api: Api | undefined,
    lang: Language,
  ) {
    this.i = i18n(lang);
    byId('lang-switch').addEventListener('click', () => this.switchLanguage());
    setInterval(() => this.tick(), 1000);
  }

  async start(): Promise<void> {
    this.paint(true);
    if (!this.api) return this.fail();
    try {
      const [status, config] = await Promise.all([this.api.status(), this.api.config()]);
      this.config = config;
      this.brand(config);
      this.show(status);
      if (!TERMINAL.includes(status.state)) this.follow();
    } catch {
      // Expired, another activation's or another tenant's secret, a mistyped link: one plain page for all.
      this.fail();
    }
  }

  private fail(): void {
    if (this.api) forgetClientSecret(this.api.requestId);
    this.events?.close();
    this.screen = 'error';
    this.paint(true);
  }

  /**
   * The event stream: each status the workflow reports, as it happens. It reconnects by itself (events.ts);
   * a secret refused on the way (expired while the customer waited) is the error page, as for an action.
   */
  private follow(): void {
    if (!this.api) return;
    const events = new StatusStream(this.api, {
      status: (status) => {
        this.show(status);
        if (TERMINAL.includes(status.state)) events.close();
      },
      refused: () => this.fail(),
    });
    this.events = events;
    events.start();
  }

  private brand(config: PageConfig): void {
    if (config.accentColor) document.documentElement.style.setProperty('--accent', config.accentColor);
    const name = byId('brand-name');
    name.textContent = config.displayName ?? '';
    const logo = byId<HTMLImageElement>('logo');
    if (config.logoUrl) {
      logo.src = config.logoUrl;
      logo.hidden = false;
    }
  }

  /** A newer status replaces the one shown; an older one (a late answer) is ignored. */
  private show(status: Status): void {
    if (this.status && status.version < this.status.version) return;
    const before = this.screen;
    this.status = status;
    const screen = screenOf(status);
    if (screen !== 'liveness' && this.liveness.stream) this.resetLiveness();
    if (screen !== before) {
      this.notice = undefined;
      this.otpDraft = '';
    }
    this.screen = screen;
    this.paint(screen !== before);
  }

  private switchLanguage(): void {
    const lang: Language = this.i.lang === 'ar' ? 'en' : 'ar';
    rememberLanguage(lang);
    this.i = i18n(lang);
    applyDocumentLanguage(lang);
    this.paint(false);
    byId('lang-switch').focus();
  }

  /**
   * Redraws <main>; a new screen moves focus to its heading and is announced in the live region. The same
   * screen drawn again gives the focus and caret back, and the OTP field its draft.
   */
  private paint(newScreen: boolean): void {
    const { m } = this.i;
    const focus = markFocus();
    document.title = `${m.pageTitle}${this.config.displayName ? ` · ${this.config.displayName}` : ''}`;
    const button = byId('lang-switch');
    button.textContent = m.switchTo;
    button.setAttribute('lang', this.i.lang === 'ar' ? 'en' : 'ar');
    if (!this.config.displayName) byId('brand-name').textContent = m.brandFallback;
    this.main.replaceChildren(
      ...render(this.screen, {
        i: this.i,
        ...(this.status ? { status: this.status } : {}),
        ...(this.notice ? { notice: this.notice } : {}),
        busy: this.busy,
        otpDraft: this.otpDraft,
        liveness: this.liveness,
        imagesNeeded: this.config.liveness.images,
        returnUrl: `${location.origin}${location.pathname}`,
        on: {
          otpInput: (draft) => (this.otpDraft = draft),
          submitOtp: (code) => void this.submitOtp(code),
          resend: () => void this.resend(),
          startCamera: () => void this.startCamera(),
          capture: () => void this.capture(),
          retake: () => this.retake(),
          sendSelfies: () => void this.sendSelfies(),
          addFile: (file) => void this.addFile(file),
        },
      }).filter((child): child is Node | string => Boolean(child)),
    );
    const heading = document.getElementById('title');
    if (newScreen) {
      heading?.focus();
      this.announce(heading?.textContent ?? '');
    } else restoreFocus(focus);
    if (this.notice) this.announce(this.notice.say(this.i));
  }

  private announce(text: string): void {
    // Cleared first, so the same text said twice (two wrong codes in a row) is read twice.
    this.live.textContent = '';
    setTimeout(() => (this.live.textContent = text), 50);
  }

  /** Countdowns tick in place; a resend button whose cooldown is over is enabled. */
  private tick(): void {
    for (const element of document.querySelectorAll<HTMLElement>('[data-until]')) {
      const until = Date.parse(element.dataset.until ?? '');
      if (Number.isFinite(until)) element.textContent = this.i.countdown(until - Date.now());
    }
    const resend = document.querySelector<HTMLButtonElement>('[data-enable-at]');
    if (resend && Date.parse(resend.dataset.enableAt ?? '') <= Date.now()) this.paint(false);
  }

  private async act(run: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.notice = undefined;
    this.paint(false);
    try {
      await run();
    } catch (error) {
      this.notice = { kind: 'error', say: (i) => this.explain(error, i) };
      if (error instanceof ApiError && (error.httpStatus === 401 || error.httpStatus === 404)) return this.fail();
      if (error instanceof ApiError && error.httpStatus === 409 && this.api)
        await this.api.status().then(
          (s) => this.show(s),
          () => undefined,
        );
    } finally {
      this.busy = false;
      if (this.screen !== 'error') this.paint(false);
    }
  }

  private explain(error: unknown, i: I18n): string {
    const { m } = i;
    if (error instanceof LocationUnavailable) return m.locationNeeded;
    if (error instanceof TooLarge) return m.livenessTooLarge;
    if (error instanceof ApiError) {
      if (error.code === 'resend_cooldown' && this.status?.otp)
        return i.t(m.resendIn, { time: i.countdown((error.retryAfterSeconds ?? 0) * 1000) });
      if (error.code === 'sends_exhausted') return m.noSendsLeft;
      if (error.httpStatus === 429) return m.busy;
      if (error.httpStatus === 422) return m.otpInvalid;
    }
    return m.tryAgainLater;
  }

  private async submitOtp(raw: string): Promise<void> {
    const code = raw.replace(/\s+/g, '');
    // Arabic-Indic and Persian digits typed on an Arabic keyboard are the same code.
    const ascii = code.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (d) => String((d.charCodeAt(0) & 0xf) % 10));
    if (!/^[0-9]{4,8}$/.test(ascii)) {
      this.notice = { kind: 'error', say: (i) => i.m.otpInvalid };
      this.paint(false);
      document.getElementById('otp')?.focus();
      return;
    }
    await this.act(async () => {
      const answer = await this.api!.submitOtp(ascii, await currentDevice(), newIdempotencyKey('otp'));
      // Answered (wrong, locked, expired): the field is empty for the next code. Not answered (no network,
      // too busy), the digits stay, to send again.
      this.otpDraft = '';
      this.show(answer.status);
      if (answer.outcome === 'wrong_code')
        this.notice = { kind: 'error', say: (i) => i.p(i.m.otpWrong, answer.attemptsLeft) };
      else if (answer.outcome === 'locked' && this.screen === 'otp')
        this.notice = { kind: 'error', say: (i) => i.m.otpLocked };
      else if (answer.outcome === 'expired') this.notice = { kind: 'error', say: (i) => i.m.otpExpired };
    });
    if (this.screen === 'otp') document.getElementById('otp')?.focus();
  }

  private async resend(): Promise<void> {
    await this.act(async () => {
      this.show(await this.api!.resend(await currentDevice(), newIdempotencyKey('resend')));
      this.otpDraft = '';
      this.notice = { kind: 'info', say: (i) => i.m.resendSent };
    });
    document.getElementById('otp')?.focus();
  }

  private async startCamera(): Promise<void> {
    const stream = await openFrontCamera();
    this.notice = undefined;
    if (stream) this.liveness = { phase: 'preview', stream, shots: [], shotUrls: [] };
    else this.liveness = { phase: 'files', shots: [], shotUrls: [] };
    this.paint(false);
    document.getElementById(stream ? 'capture' : 'selfie-file')?.focus();
  }

  private async capture(): Promise<void> {
    const video = document.getElementById('preview') as HTMLVideoElement | null;
    if (!video || !this.liveness.stream) return;
    this.liveness.phase = 'capturing';
    this.paint(false);
    try {
      if (video.readyState < 2)
        await new Promise((resolve) => video.addEventListener('loadeddata', resolve, { once: true }));
      const shots = await captureFrames(
        video,
        this.liveness.stream,
        this.config.liveness.images,
        this.config.liveness.maxImageBytes,
      );
      stopCamera(this.liveness.stream);
      this.review(shots);
    } catch (error) {
      this.liveness.phase = 'preview';
      this.notice = { kind: 'error', say: (i) => this.explain(error, i) };
      this.paint(false);
    }
  }

  private async addFile(file: File): Promise<void> {
    try {
      const shot = await compressFile(file, this.config.liveness.maxImageBytes);
      const shots = [...this.liveness.shots, shot];
      if (shots.length >= this.config.liveness.images) this.review(shots);
      else {
        this.liveness = { phase: 'files', shots, shotUrls: [] };
        this.notice = undefined;
        this.paint(false);
        document.getElementById('selfie-file')?.focus();
      }
    } catch (error) {
      this.notice = { kind: 'error', say: (i) => this.explain(error, i) };
      this.paint(false);
    }
  }

  private review(shots: Blob[]): void {
    this.liveness = { phase: 'review', shots, shotUrls: shots.map((shot) => URL.createObjectURL(shot)) };
    this.notice = undefined;
    this.paint(false);
    document.getElementById('send-selfies')?.focus();
  }

  private retake(): void {
    this.resetLiveness();
    void this.startCamera();
  }

  private resetLiveness(): void {
    stopCamera(this.liveness.stream);
    this.liveness.shotUrls.forEach((url) => URL.revokeObjectURL(url));
    this.liveness = { phase: 'idle', shots: [], shotUrls: [] };
  }

  private async sendSelfies(): Promise<void> {
    const shots = this.liveness.shots;
    this.liveness.phase = 'sending';
    await this.act(async () => {
      const images = await Promise.all(shots.map(base64Of));
      const answer = await this.api!.submitLiveness(images, await currentDevice(), newIdempotencyKey('liveness'));
      if (answer.outcome === 'rejected') {
        this.resetLiveness();
        this.show(answer.status);
        this.notice = { kind: 'error', say: (i) => i.p(i.m.livenessRejected, answer.attemptsLeft) };
      } else {
        this.show(answer.status);
      }
    });
    if (this.liveness.phase === 'sending') this.liveness.phase = 'review';
  }
}

function boot(): void {
  // Another link opened in this tab (only the fragment differs): start again with its secret.
  addEventListener('hashchange', () => location.reload());
  const lang = chosenLanguage();
  applyDocumentLanguage(lang);
  const requestId = requestIdFromPath();
  const secret = requestId ? takeClientSecret(requestId) : undefined;
  const page = new Page(secret ? new Api(requestId, secret) : undefined, lang);
  void page.start();
}

boot();
