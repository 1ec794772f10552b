-- Thresholds the warehouse's checks and marts share (scalar macros, so SQL and the Python
-- history checks use one definition).

-- A published year-to-date figure and the months it adds up to may differ by GACC's own
-- rounding: max(1 t, 0.1 %) of the YTD. Beyond it the figures contradict each other.
CREATE MACRO core.ytd_tolerance_kg(ytd_kg) AS greatest(1000, 0.001 * abs(ytd_kg));

-- A restatement of max(1 t, 5 %) of the figure it replaces is worth a person's look.
CREATE MACRO core.large_revision_kg(old_kg) AS greatest(1000, 0.05 * abs(old_kg));

-- How a month is named in labels and caveats: 2025-07.
CREATE MACRO core.month_label(period) AS strftime(period, '%Y-%m');
