/**
 * Naive UI theme overrides: one accent colour, slightly rounder corners, and text colours
 * dark enough to read. Naive's own tag texts (success #18a058 on its pale green, 2.96:1) and
 * its third text colour (#767c82 on white, 4.2:1) fall short of WCAG AA's 4.5:1, so status
 * tags, hints, field notes and placeholders take a darker shade of the same hue (each
 * ≥ 4.5:1 on the tag's tint over white and over the page's grey). axe-core cannot judge a
 * placeholder drawn over its field, so that one is measured here, not in the e2e scan.
 */
export const themeOverrides = {
  common: {
    primaryColor: '#2563eb',
    primaryColorHover: '#3b82f6',
    primaryColorPressed: '#1d4ed8',
    primaryColorSuppl: '#3b82f6',
    textColor3: '#5c6168',
    // The empty filters say their state in the placeholder ("Any workflow"): #c2c2c2 read at 1.8:1.
    placeholderColor: '#6e757d',
    borderRadius: '6px',
    fontFamily:
      'Inter, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif',
  },
  Card: {
    borderRadius: '10px',
  },
  Tag: {
    textColorInfo: '#1a5db8',
    textColorSuccess: '#0e7440',
    textColorWarning: '#8a5300',
    textColorError: '#b3243f',
    textColorPrimary: '#1d4ed8',
  },
}
