// Per-tenant branding of the hosted activation page (issue 26): a display name, a logo and an accent
// colour, from ACTIVATION_PAGE_TENANTS. The page shows a tenant's branding only after the gateway checked
// the client secret for that activation (routes.ts), so a customer never sees another tenant's.
//
// Checked here so the page stays accessible and self-contained whatever is configured:
// - the accent colour is the background of white button text, so it must reach WCAG AA contrast (4.5:1)
//   against white;
// - the logo is a data: image or a path on the gateway itself: the page makes no third-party request and
//   its Content-Security-Policy (img-src 'self' data:) would block one anyway.
import { z } from 'zod';
import { TENANT_NAME } from '../../contract/tenants';

export interface TenantBranding {
  displayName?: string;
  logoUrl?: string;
  accentColor?: string;
}

const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;
const MIN_CONTRAST = 4.5;

/** WCAG 2.2 contrast ratio of a #rrggbb colour against white. */
export function contrastWithWhite(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
  return 1.05 / (luminance + 0.05);
}

const brandingSchema = z
  .object({
    displayName: z.string().trim().min(1).max(80).optional(),
    logoUrl: z
      .string()
      .max(100_000)
      .refine(
        (url) =>
          /^data:image\/(png|jpeg|webp|gif|svg\+xml);base64,[A-Za-z0-9+/=]+$/.test(url) || /^\/(?!\/)\S*$/.test(url),
        'must be a data:image/...;base64 URL or a path on the gateway (/...): the page loads nothing from elsewhere',
      )
      .optional(),
    accentColor: z
      .string()
      .regex(HEX_COLOUR, 'must be a colour written #rrggbb')
      .refine(
        (hex) => contrastWithWhite(hex) >= MIN_CONTRAST,
        `must be dark enough for white text on it (contrast ${MIN_CONTRAST}:1, WCAG AA)`,
      )
      .optional(),
  })
  .strict();

export class BrandingConfigError extends Error {
  override name = 'BrandingConfigError';
}

/** ACTIVATION_PAGE_TENANTS: `{"<tenant>": {"displayName", "logoUrl", "accentColor"}}`; problems name the tenant. */
export function parseTenantBranding(text: string | undefined): Record<string, TenantBranding> {
  if (text === undefined || text.trim() === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new BrandingConfigError('ACTIVATION_PAGE_TENANTS: is not JSON');
  }
  const parsed = z.record(z.string().regex(TENANT_NAME, 'is not a tenant name'), brandingSchema).safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top)'} ${issue.message}`);
    throw new BrandingConfigError(`ACTIVATION_PAGE_TENANTS: ${problems.join('; ')}`);
  }
  return parsed.data;
}
