-- Monthly series the news desk asks for: totals, m/m, y/y, YTD, YTD y/y, "highest since",
-- consecutive rises; and per partner: rank and share. Partner rows are summed over trade modes
-- and regions here (core keeps them apart).

CREATE VIEW marts.partner_monthly AS
SELECT
    source, flow, commodity_code, partner, period_start AS period,
    sum(quantity_kg) AS quantity_kg,
    sum(value_usd) AS value_usd,
    sum(value_cny) AS value_cny
FROM core.latest
WHERE basis = 'month' AND period_start = period_end
  AND partner IS NOT NULL AND partner <> 'WLD'
GROUP BY ALL;

CREATE VIEW marts.world_monthly AS
WITH months AS (
    SELECT
        source, flow, commodity_code, period_start AS period,
        sum(quantity_kg) AS quantity_kg,
        sum(value_usd) AS value_usd,
        sum(value_cny) AS value_cny
    FROM core.latest
    WHERE basis = 'month' AND period_start = period_end
    GROUP BY ALL
),
published_ytd AS (
    SELECT source, flow, commodity_code, period_end AS period, sum(quantity_kg) AS ytd_kg
    FROM core.latest
    WHERE basis = 'ytd'
    GROUP BY ALL
),
with_ytd AS (
    SELECT
        m.*,
        coalesce(
            p.ytd_kg,
            CASE WHEN count(*) OVER y = month(m.period) THEN sum(m.quantity_kg) OVER y END
        ) AS ytd_kg
    FROM months AS m
    LEFT JOIN published_ytd AS p USING (source, flow, commodity_code, period)
    WINDOW y AS (
        PARTITION BY m.source, m.flow, m.commodity_code, year(m.period)
        ORDER BY m.period ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    )
),
compared AS (
    SELECT
        c.*,
        prev.quantity_kg AS previous_month_kg,
        ly.quantity_kg AS last_year_kg,
        ly.ytd_kg AS last_year_ytd_kg
    FROM with_ytd AS c
    LEFT JOIN with_ytd AS prev
        ON prev.source = c.source AND prev.flow = c.flow
       AND prev.commodity_code = c.commodity_code
       AND prev.period = c.period - INTERVAL 1 MONTH
    LEFT JOIN with_ytd AS ly
        ON ly.source = c.source AND ly.flow = c.flow
       AND ly.commodity_code = c.commodity_code
       AND ly.period = c.period - INTERVAL 12 MONTH
),
rises AS (
    SELECT
        *,
        coalesce(quantity_kg > previous_month_kg, false) AS is_rise
    FROM compared
)
SELECT
    source, flow, commodity_code, period, quantity_kg, value_usd, value_cny,
    quantity_kg / 1000 AS tonnes,
    previous_month_kg, last_year_kg,
    (quantity_kg / previous_month_kg - 1) * 100 AS mom_pct,
    (quantity_kg / last_year_kg - 1) * 100 AS yoy_pct,
    ytd_kg,
    ytd_kg / 1000 AS ytd_tonnes,
    last_year_ytd_kg,
    (ytd_kg / last_year_ytd_kg - 1) * 100 AS ytd_yoy_pct,
    (
        SELECT max(e.period) FROM rises AS e
        WHERE e.source = r.source AND e.flow = r.flow AND e.commodity_code = r.commodity_code
          AND e.period < r.period AND e.quantity_kg >= r.quantity_kg
    ) AS highest_since,
    CASE WHEN is_rise THEN
        datediff('month',
                 coalesce(
                     max(CASE WHEN NOT is_rise THEN period END) OVER (
                         PARTITION BY source, flow, commodity_code ORDER BY period
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
                     min(period) OVER (PARTITION BY source, flow, commodity_code)
                         - INTERVAL 1 MONTH),
                 period)
    ELSE 0 END AS consecutive_rises
FROM rises AS r;

CREATE VIEW marts.partner_ranked AS
WITH base AS (
    SELECT
        p.*,
        prev.quantity_kg AS previous_month_kg,
        ly.quantity_kg AS last_year_kg
    FROM marts.partner_monthly AS p
    LEFT JOIN marts.partner_monthly AS prev
        ON prev.source = p.source AND prev.flow = p.flow
       AND prev.commodity_code = p.commodity_code AND prev.partner = p.partner
       AND prev.period = p.period - INTERVAL 1 MONTH
    LEFT JOIN marts.partner_monthly AS ly
        ON ly.source = p.source AND ly.flow = p.flow
       AND ly.commodity_code = p.commodity_code AND ly.partner = p.partner
       AND ly.period = p.period - INTERVAL 12 MONTH
)
SELECT
    b.source, b.flow, b.commodity_code, b.partner, b.period, b.quantity_kg, b.value_usd,
    b.value_cny,
    b.quantity_kg / 1000 AS tonnes,
    (b.quantity_kg / b.previous_month_kg - 1) * 100 AS mom_pct,
    (b.quantity_kg / b.last_year_kg - 1) * 100 AS yoy_pct,
    rank() OVER (PARTITION BY b.source, b.flow, b.commodity_code, b.period
                 ORDER BY b.quantity_kg DESC NULLS LAST) AS rank,
    b.quantity_kg / w.quantity_kg * 100 AS share_pct
FROM base AS b
LEFT JOIN marts.world_monthly AS w USING (source, flow, commodity_code, period);
