-- Thresholds the warehouse's checks and marts share (scalar macros, so SQL and the Python
-- history checks use one definition).

-- A published year-to-date figure and the months it adds up to may differ by GACC's own
-- rounding: max(1 t, 0.1 %) of the YTD. Beyond it the figures contradict each other.
CREATE MACRO core.ytd_tolerance_kg(ytd_kg) AS greatest(1000, 0.001 * abs(ytd_kg));

-- A restatement of max(1 t, 5 %) of the figure it replaces is worth a person's look.
CREATE MACRO core.large_revision_kg(old_kg) AS greatest(1000, 0.05 * abs(old_kg));

-- How a month is named in labels and caveats: 2025-07.
CREATE MACRO core.month_label(period) AS strftime(period, '%Y-%m');

-- The series a publication's figures belong to. GACC's preliminary release prints the first
-- vintages of the monthly bulletin's rows (the same series keys), so its figures join the
-- bulletin's series; every other publication is a series of its own.
CREATE MACRO core.series_source(src) AS CASE src WHEN 'gacc_preliminary' THEN 'gacc_bulletin'
                                                  ELSE src END;

-- Within a series, how verified a publication is: the bulletin (GACC's verified figures) over
-- the preliminary release, whatever was loaded last.
CREATE MACRO core.source_rank(src) AS CASE src WHEN 'gacc_preliminary' THEN 1 ELSE 2 END;
