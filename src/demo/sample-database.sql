-- pgferry's demo database: several schemas, the common column types, a partitioned table,
-- views, a materialized view, a function and trigger, and a table without a key.
-- Row counts scale with the setting pgferry.scale (1 = about 400,000 rows).
SET client_min_messages = warning;
SELECT setseed(0.42);

CREATE SCHEMA shop;
CREATE SCHEMA ops;
COMMENT ON SCHEMA shop IS 'orders and customers';

CREATE TYPE shop.order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');
CREATE TYPE shop.address AS (street text, city text, zip varchar(10), country char(2));
CREATE DOMAIN shop.email AS text CHECK (VALUE ~ '^[^@ ]+@[^@ ]+$');

CREATE TABLE shop.customers (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email       shop.email NOT NULL UNIQUE,
  full_name   text NOT NULL,
  address     shop.address,
  birthday    date,
  signup_at   timestamptz NOT NULL DEFAULT now(),
  vip         boolean NOT NULL DEFAULT false,
  tags        text[],
  "Loyalty Points" integer DEFAULT 0
);
COMMENT ON TABLE shop.customers IS 'people who buy things';

CREATE TABLE shop.products (
  sku        serial PRIMARY KEY,
  name       varchar(120) NOT NULL,
  price      numeric(10,2) NOT NULL CHECK (price >= 0),
  weight_kg  real,
  ratio      double precision,
  attrs      jsonb,
  raw        json,
  photo      bytea,
  added      timestamp without time zone DEFAULT '2024-01-01 00:00',
  shelf_life interval,
  opens_at   time,
  code       uuid,
  flags      bit(8),
  search     tsvector GENERATED ALWAYS AS (to_tsvector('simple', name)) STORED
);
CREATE INDEX products_attrs_idx ON shop.products USING gin (attrs);
CREATE INDEX products_search_idx ON shop.products USING gin (search);
CREATE INDEX products_lower_name_idx ON shop.products (lower(name::text));

CREATE TABLE shop.orders (
  id          bigserial,
  ordered_on  date NOT NULL,
  customer_id bigint NOT NULL REFERENCES shop.customers (id),
  status      shop.order_status NOT NULL DEFAULT 'new',
  total       numeric(12,2) NOT NULL,
  ship_to     shop.address,
  PRIMARY KEY (id, ordered_on)
) PARTITION BY RANGE (ordered_on);
CREATE TABLE shop.orders_2024_h1 PARTITION OF shop.orders FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');
CREATE TABLE shop.orders_2024_h2 PARTITION OF shop.orders FOR VALUES FROM ('2024-07-01') TO ('2025-01-01');
CREATE TABLE shop.orders_2025 PARTITION OF shop.orders FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE shop.orders_other PARTITION OF shop.orders DEFAULT;
CREATE INDEX orders_customer_idx ON shop.orders (customer_id);
CREATE INDEX orders_open_idx ON shop.orders (ordered_on) WHERE status IN ('new', 'paid');

CREATE TABLE shop.order_items (
  order_id   bigint NOT NULL,
  ordered_on date NOT NULL,
  line_no    smallint NOT NULL,
  sku        integer NOT NULL REFERENCES shop.products (sku),
  quantity   integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, ordered_on, line_no),
  FOREIGN KEY (order_id, ordered_on) REFERENCES shop.orders (id, ordered_on)
);

-- no primary key, no unique constraint, duplicate rows allowed
CREATE TABLE ops.events (
  at        timestamptz NOT NULL,
  kind      text NOT NULL,
  client_ip inet,
  network   cidr,
  device    macaddr,
  payload   jsonb
);
CREATE INDEX events_at_idx ON ops.events USING brin (at);

CREATE TABLE ops.audit_log (
  id         bigserial PRIMARY KEY,
  table_name text NOT NULL,
  row_id     bigint,
  changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION ops.log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ops.audit_log (table_name, row_id) VALUES (TG_TABLE_NAME, NEW.id);
  RETURN NEW;
END $$;
CREATE TRIGGER customers_audit AFTER INSERT OR UPDATE ON shop.customers
  FOR EACH ROW EXECUTE FUNCTION ops.log_change();

CREATE FUNCTION shop.order_value(p_customer bigint) RETURNS numeric LANGUAGE sql STABLE AS
  $$ SELECT coalesce(sum(total), 0) FROM shop.orders WHERE customer_id = p_customer $$;

CREATE VIEW shop.customer_totals AS
  SELECT c.id, c.full_name, count(o.id) AS orders, coalesce(sum(o.total), 0) AS spent
  FROM shop.customers c LEFT JOIN shop.orders o ON o.customer_id = c.id
  GROUP BY c.id, c.full_name;
CREATE MATERIALIZED VIEW shop.daily_sales AS
  SELECT ordered_on, count(*) AS orders, sum(total) AS revenue FROM shop.orders GROUP BY ordered_on;
CREATE UNIQUE INDEX daily_sales_day_idx ON shop.daily_sales (ordered_on);
CREATE SEQUENCE ops.ticket_no START 5000;

-- data
INSERT INTO shop.customers (email, full_name, address, birthday, signup_at, vip, tags, "Loyalty Points")
SELECT 'user' || i || '@example.com', 'Customer ' || i,
       ROW('Street ' || i, (ARRAY['Berlin','Paris','Österreich','São Paulo'])[1 + i % 4], lpad((i % 99999)::text, 5, '0'), 'DE')::shop.address,
       date '1960-01-01' + (i % 15000), timestamptz '2020-01-01 00:00+00' + i * interval '7 minutes',
       i % 10 = 0, CASE WHEN i % 3 = 0 THEN ARRAY['a', 'b"c', 'd,e'] END, i % 1000
FROM generate_series(1, (20000 * current_setting('pgferry.scale')::numeric)::int) i;

INSERT INTO shop.products (name, price, weight_kg, ratio, attrs, raw, photo, shelf_life, opens_at, code, flags)
SELECT 'Product ' || i || CASE WHEN i % 7 = 0 THEN E' with\ttab' ELSE '' END, (i % 500) + 0.99,
       CASE i % 50 WHEN 0 THEN 'NaN'::real WHEN 1 THEN 'Infinity'::real ELSE i / 3.0 END,
       CASE i % 50 WHEN 0 THEN '-Infinity'::float8 ELSE i / 7.0 END,
       jsonb_build_object('color', (ARRAY['red','green','blue'])[1 + i % 3], 'size', i % 40),
       json_build_object('i', i), decode(md5(i::text), 'hex'), (i % 365) * interval '1 day',
       time '08:00' + (i % 600) * interval '1 minute', md5('p' || i)::uuid, (i % 256)::bit(8)
FROM generate_series(1, 2000) i;

INSERT INTO shop.orders (ordered_on, customer_id, status, total)
SELECT date '2024-01-01' + (i % 800), 1 + i % (20000 * current_setting('pgferry.scale')::numeric)::int,
       (ARRAY['new','paid','shipped','cancelled']::shop.order_status[])[1 + i % 4], (i % 1000) + 0.5
FROM generate_series(1, (100000 * current_setting('pgferry.scale')::numeric)::int) i;

INSERT INTO shop.order_items (order_id, ordered_on, line_no, sku, quantity)
SELECT o.id, o.ordered_on, l, 1 + (o.id * l) % 2000, 1 + l
FROM shop.orders o CROSS JOIN generate_series(1, 2) l;

INSERT INTO ops.events (at, kind, client_ip, network, device, payload)
SELECT timestamptz '2024-01-01 00:00+00' + i * interval '1 second', (ARRAY['view','click','buy'])[1 + i % 3],
       ('10.0.' || (i % 256) || '.' || (i % 200))::inet, '192.168.0.0/16', '08:00:2b:01:02:03',
       CASE WHEN i % 5 = 0 THEN jsonb_build_object('n', i) END
FROM generate_series(1, (80000 * current_setting('pgferry.scale')::numeric)::int) i;
INSERT INTO ops.events SELECT * FROM ops.events LIMIT 100;

SELECT nextval('ops.ticket_no') FROM generate_series(1, 42);
REFRESH MATERIALIZED VIEW shop.daily_sales;
ANALYZE;
