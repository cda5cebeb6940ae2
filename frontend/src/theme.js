/**
 * Naive UI theme overrides, one set per colour scheme, with one accent family (blue) in both.
 *
 * Light: slightly rounder corners and text colours dark enough to read. Naive's own tag texts
 * (success #18a058 on its pale green, 2.96:1) and its third text colour (#767c82 on white,
 * 4.2:1) fall short of WCAG AA's 4.5:1, so status tags, hints, field notes and placeholders
 * take a darker shade of the same hue (each ≥ 4.5:1 on the tag's tint over white and over the
 * page's grey). axe-core cannot judge a placeholder drawn over its field, so that one is
 * measured here, not in the e2e scan.
 *
 * Dark: Naive's darkTheme with its neutral greys turned to the slate of the page's own
 * surfaces (styles.css, :root[data-theme="dark"]) and its green accent to the light blue of
 * the same family (#60a5fa, 6.7:1 on a card). Third text and placeholders are a light slate,
 * #9aa6ba (6.9:1 on a card, 5.2:1 on a field); the error tag's text a lighter red, #f09b9b
 * (5.8:1 on its tint), where Naive's #e88080 reads at 4.6:1.
 */
const common = {
  borderRadius: '6px',
  fontFamily:
    'Inter, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif',
}

export const lightThemeOverrides = {
  common: {
    ...common,
    primaryColor: '#2563eb',
    primaryColorHover: '#3b82f6',
    primaryColorPressed: '#1d4ed8',
    primaryColorSuppl: '#3b82f6',
    textColor3: '#5c6168',
    // The empty filters say their state in the placeholder ("Any workflow"): #c2c2c2 read at 1.8:1.
    placeholderColor: '#6e757d',
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

export const darkThemeOverrides = {
  common: {
    ...common,
    primaryColor: '#60a5fa',
    primaryColorHover: '#93c5fd',
    primaryColorPressed: '#3b82f6',
    primaryColorSuppl: '#3b82f6',
    bodyColor: '#0b1120',
    cardColor: '#131c2e',
    modalColor: '#17223a',
    popoverColor: '#1f2a40',
    tableColor: '#131c2e',
    tableHeaderColor: '#182238',
    tableColorHover: '#1a2539',
    textColor3: '#9aa6ba',
    placeholderColor: '#9aa6ba',
  },
  Card: {
    borderRadius: '10px',
  },
  Tag: {
    textColorError: '#f09b9b',
    textColorPrimary: '#93c5fd',
  },
}

/** The light set under its old name, for code written before the dark theme. */
export const themeOverrides = lightThemeOverrides
