namespace Quell.Storage.Migrations;

/// <summary>
/// The migration list. Times are Unix milliseconds (BIGINT) in both dialects so that SQL, indexes and keyset
/// cursors are identical; JSON documents are TEXT. Each capability's tables are grouped and commented by folder.
/// </summary>
public static class Schema
{
    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "identity", """
            CREATE TABLE organisations (
              id {id},
              name TEXT NOT NULL UNIQUE,
              description TEXT NOT NULL DEFAULT '',
              next_case_number BIGINT NOT NULL DEFAULT 1,
              created_at BIGINT NOT NULL
            );
            CREATE TABLE users (
              id {id},
              username TEXT NOT NULL UNIQUE,
              display_name TEXT NOT NULL,
              password_hash TEXT NULL,
              platform_admin {bool} NOT NULL DEFAULT {false},
              disabled {bool} NOT NULL DEFAULT {false},
              failed_logins INTEGER NOT NULL DEFAULT 0,
              locked_until BIGINT NULL,
              created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL
            );
            CREATE TABLE memberships (
              user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              role TEXT NOT NULL,
              PRIMARY KEY (user_id, org_id)
            );
            CREATE INDEX ix_memberships_org ON memberships(org_id);
            CREATE TABLE api_keys (
              id {id},
              user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              name TEXT NOT NULL,
              prefix TEXT NOT NULL,
              key_hash TEXT NOT NULL UNIQUE,
              created_at BIGINT NOT NULL,
              last_used_at BIGINT NULL,
              revoked_at BIGINT NULL
            );
            CREATE INDEX ix_api_keys_user ON api_keys(user_id);
            """),
        new(2, "audit", """
            CREATE TABLE audit_log (
              id {id},
              at BIGINT NOT NULL,
              org_id BIGINT NULL,
              actor TEXT NOT NULL,
              action TEXT NOT NULL,
              entity_type TEXT NOT NULL,
              entity_id TEXT NOT NULL,
              before_json TEXT NULL,
              after_json TEXT NULL,
              prev_hash TEXT NOT NULL,
              hash TEXT NOT NULL
            );
            CREATE INDEX ix_audit_org_at ON audit_log(org_id, id);
            """),
        new(3, "jobs", """
            CREATE TABLE jobs (
              id {id},
              kind TEXT NOT NULL,
              org_id BIGINT NULL,
              payload TEXT NOT NULL,
              status TEXT NOT NULL,
              attempts INTEGER NOT NULL DEFAULT 0,
              max_attempts INTEGER NOT NULL,
              run_after BIGINT NOT NULL,
              lease_token TEXT NULL,
              lease_until BIGINT NULL,
              last_error TEXT NULL,
              dedupe_key TEXT NULL UNIQUE,
              created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL,
              completed_at BIGINT NULL
            );
            CREATE INDEX ix_jobs_ready ON jobs(status, run_after);
            CREATE INDEX ix_jobs_lease ON jobs(status, lease_until);
            """),
        new(4, "alerts", """
            CREATE TABLE alerts (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id),
              type TEXT NOT NULL,
              source TEXT NOT NULL,
              source_ref TEXT NOT NULL,
              title TEXT NOT NULL,
              description TEXT NOT NULL,
              severity INTEGER NOT NULL,
              tlp INTEGER NOT NULL,
              pap INTEGER NOT NULL,
              status TEXT NOT NULL,
              is_read {bool} NOT NULL DEFAULT {false},
              tags TEXT NOT NULL,
              date BIGINT NOT NULL,
              created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL,
              first_evidence_at BIGINT NULL,
              case_id BIGINT NULL,
              observable_count INTEGER NOT NULL DEFAULT 0,
              raw TEXT NULL,
              UNIQUE (org_id, source, source_ref)
            );
            CREATE INDEX ix_alerts_org_date ON alerts(org_id, date, id);
            CREATE INDEX ix_alerts_org_status_date ON alerts(org_id, status, date, id);
            CREATE INDEX ix_alerts_org_severity_date ON alerts(org_id, severity, date, id);
            CREATE INDEX ix_alerts_org_created ON alerts(org_id, created_at, id);
            CREATE INDEX ix_alerts_case ON alerts(case_id);
            CREATE TABLE alert_tags (
              alert_id BIGINT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              tag TEXT NOT NULL,
              PRIMARY KEY (alert_id, tag)
            );
            CREATE INDEX ix_alert_tags_org_tag ON alert_tags(org_id, tag, alert_id);
            CREATE TABLE alert_observables (
              id {id},
              alert_id BIGINT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              data_type TEXT NOT NULL,
              data TEXT NOT NULL,
              ioc {bool} NOT NULL DEFAULT {false},
              sighted {bool} NOT NULL DEFAULT {false},
              tags TEXT NOT NULL,
              message TEXT NULL
            );
            CREATE UNIQUE INDEX ux_alert_observables_value ON alert_observables(alert_id, data_type, {datakey});
            CREATE INDEX ix_alert_observables_data ON alert_observables {datalookup:alert_id};
            """),
        new(5, "cases", """
            CREATE TABLE cases (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id),
              number BIGINT NOT NULL,
              title TEXT NOT NULL,
              description TEXT NOT NULL,
              severity INTEGER NOT NULL,
              tlp INTEGER NOT NULL,
              pap INTEGER NOT NULL,
              status TEXT NOT NULL,
              resolution TEXT NULL,
              summary TEXT NULL,
              assignee_id BIGINT NULL REFERENCES users(id),
              tags TEXT NOT NULL,
              custom_fields TEXT NOT NULL,
              template_id BIGINT NULL,
              first_evidence_at BIGINT NULL,
              detected_at BIGINT NULL,
              contained_at BIGINT NULL,
              resolved_at BIGINT NULL,
              merged_into BIGINT NULL,
              created_by TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL,
              version INTEGER NOT NULL DEFAULT 1,
              UNIQUE (org_id, number)
            );
            CREATE INDEX ix_cases_org_created ON cases(org_id, created_at, id);
            CREATE INDEX ix_cases_org_status_created ON cases(org_id, status, created_at, id);
            CREATE INDEX ix_cases_org_assignee ON cases(org_id, assignee_id, created_at, id);
            CREATE TABLE case_tags (
              case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              tag TEXT NOT NULL,
              PRIMARY KEY (case_id, tag)
            );
            CREATE INDEX ix_case_tags_org_tag ON case_tags(org_id, tag, case_id);
            CREATE TABLE case_observables (
              id {id},
              case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              data_type TEXT NOT NULL,
              data TEXT NOT NULL,
              ioc {bool} NOT NULL DEFAULT {false},
              sighted {bool} NOT NULL DEFAULT {false},
              tags TEXT NOT NULL,
              message TEXT NULL,
              created_at BIGINT NOT NULL
            );
            CREATE UNIQUE INDEX ux_case_observables_value ON case_observables(case_id, data_type, {datakey});
            CREATE INDEX ix_case_observables_data ON case_observables {datalookup:case_id};
            CREATE TABLE case_tasks (
              id {id},
              case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              title TEXT NOT NULL,
              task_group TEXT NOT NULL DEFAULT 'default',
              description TEXT NOT NULL DEFAULT '',
              status TEXT NOT NULL,
              assignee_id BIGINT NULL REFERENCES users(id),
              due_at BIGINT NULL,
              position INTEGER NOT NULL DEFAULT 0,
              created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL
            );
            CREATE INDEX ix_case_tasks_case ON case_tasks(case_id, position);
            CREATE TABLE task_logs (
              id {id},
              task_id BIGINT NOT NULL REFERENCES case_tasks(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              message TEXT NOT NULL,
              created_by TEXT NOT NULL,
              created_at BIGINT NOT NULL
            );
            CREATE INDEX ix_task_logs_task ON task_logs(task_id, id);
            CREATE TABLE case_comments (
              id {id},
              case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              message TEXT NOT NULL,
              created_by TEXT NOT NULL,
              created_at BIGINT NOT NULL
            );
            CREATE INDEX ix_case_comments_case ON case_comments(case_id, id);
            CREATE TABLE case_timeline (
              id {id},
              case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              at BIGINT NOT NULL,
              kind TEXT NOT NULL,
              message TEXT NOT NULL,
              actor TEXT NOT NULL
            );
            CREATE INDEX ix_case_timeline_case ON case_timeline(case_id, at, id);
            CREATE TABLE case_templates (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id),
              name TEXT NOT NULL,
              title_prefix TEXT NOT NULL DEFAULT '',
              description TEXT NOT NULL DEFAULT '',
              severity INTEGER NULL,
              tlp INTEGER NULL,
              pap INTEGER NULL,
              tags TEXT NOT NULL,
              tasks TEXT NOT NULL,
              custom_fields TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL,
              UNIQUE (org_id, name)
            );
            """),
        new(6, "data-protection-keys", """
            CREATE TABLE data_protection_keys (
              id {id},
              friendly_name TEXT NOT NULL,
              xml TEXT NOT NULL,
              created_at BIGINT NOT NULL
            );
            """),
        new(7, "sessions", """
            CREATE TABLE sessions (
              id TEXT PRIMARY KEY,
              user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              created_at BIGINT NOT NULL,
              ended_at BIGINT NULL
            );
            CREATE INDEX ix_sessions_user ON sessions(user_id);
            """),
        // PostgreSQL: the observable filter reads up to 15,000 (organisation, value) → owner rows (SetFilter). Through
        // the hash index on data each was a heap visit (p99 75 ms at a million alerts); a B-tree over the value's md5,
        // stored in the row, answers it from the index alone. SQLite's (org_id, data, owner) index already does.
        new(8, "observable-lookup-keys", "SELECT 1;", """
            ALTER TABLE alert_observables ADD COLUMN data_md5 TEXT GENERATED ALWAYS AS (md5(data)) STORED;
            CREATE INDEX ix_alert_observables_lookup ON alert_observables(org_id, data_md5, alert_id);
            ALTER TABLE case_observables ADD COLUMN data_md5 TEXT GENERATED ALWAYS AS (md5(data)) STORED;
            CREATE INDEX ix_case_observables_lookup ON case_observables(org_id, data_md5, case_id);
            """),
        // Intel/Indicators. One row per (organisation, type, normalized value); values reach 8,192 characters. SQLite's
        // unique (org_id, value, type) index also answers exact and prefix (range) search by value. PostgreSQL cannot
        // keep such values in a B-tree entry: uniqueness and exact search go through md5(value), prefix search through
        // the first 256 characters in byte order ("C"), which a range scan can use whatever the database collation.
        // Links to sources are keyed (org, source, indicator): a feed's links lie together, so an import finds them by
        // key and a full snapshot scans only its own; on SQLite the table is that key (WITHOUT ROWID), one B-tree less
        // per million-row import.
        new(9, "indicators", """
            CREATE TABLE indicators (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id),
              type TEXT NOT NULL,
              value TEXT NOT NULL,
              kind TEXT NOT NULL,
              category TEXT NOT NULL,
              to_ids {bool} NOT NULL,
              first_seen BIGINT NULL,
              last_seen BIGINT NULL,
              tlp INTEGER NOT NULL,
              confidence INTEGER NULL,
              comment TEXT NULL,
              tags TEXT NOT NULL,
              suppressed {bool} NOT NULL DEFAULT {false},
              warninglists TEXT NULL,
              created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL
            );
            CREATE UNIQUE INDEX ux_indicators_value ON indicators(org_id, value, type);

            CREATE TABLE indicator_sources (
              indicator_id BIGINT NOT NULL REFERENCES indicators(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              source_key TEXT NOT NULL,
              source_kind TEXT NOT NULL,
              source_name TEXT NOT NULL,
              feed_id BIGINT NULL,
              source_ref TEXT NULL,
              first_reported BIGINT NOT NULL,
              last_reported BIGINT NOT NULL,
              run_id BIGINT NOT NULL,
              context TEXT NULL,
              PRIMARY KEY (org_id, source_key, indicator_id)
            ) WITHOUT ROWID;
            CREATE INDEX ix_indicator_sources_indicator ON indicator_sources(indicator_id);
            CREATE TABLE indicator_sightings (
              id {id},
              indicator_id BIGINT NOT NULL REFERENCES indicators(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              type TEXT NOT NULL,
              source TEXT NOT NULL,
              at BIGINT NOT NULL,
              note TEXT NULL
            );
            CREATE INDEX ix_indicator_sightings_indicator ON indicator_sightings(indicator_id, type, at);
            """, """
            CREATE TABLE indicators (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id),
              type TEXT NOT NULL,
              value TEXT NOT NULL,
              kind TEXT NOT NULL,
              category TEXT NOT NULL,
              to_ids {bool} NOT NULL,
              first_seen BIGINT NULL,
              last_seen BIGINT NULL,
              tlp INTEGER NOT NULL,
              confidence INTEGER NULL,
              comment TEXT NULL,
              tags TEXT NOT NULL,
              suppressed {bool} NOT NULL DEFAULT {false},
              warninglists TEXT NULL,
              created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL
            );
            CREATE UNIQUE INDEX ux_indicators_value ON indicators(org_id, md5(value), type);
            CREATE INDEX ix_indicators_prefix ON indicators(org_id, (left(value, 256)) COLLATE "C");

            CREATE TABLE indicator_sources (
              indicator_id BIGINT NOT NULL REFERENCES indicators(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              source_key TEXT NOT NULL,
              source_kind TEXT NOT NULL,
              source_name TEXT NOT NULL,
              feed_id BIGINT NULL,
              source_ref TEXT NULL,
              first_reported BIGINT NOT NULL,
              last_reported BIGINT NOT NULL,
              run_id BIGINT NOT NULL,
              context TEXT NULL,
              PRIMARY KEY (org_id, source_key, indicator_id)
            );
            CREATE INDEX ix_indicator_sources_indicator ON indicator_sources(indicator_id);
            CREATE TABLE indicator_sightings (
              id {id},
              indicator_id BIGINT NOT NULL REFERENCES indicators(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              type TEXT NOT NULL,
              source TEXT NOT NULL,
              at BIGINT NOT NULL,
              note TEXT NULL
            );
            CREATE INDEX ix_indicator_sightings_indicator ON indicator_sightings(indicator_id, type, at);
            """),
        // Intel/Feeds: registered feeds with their health, and the history of their pulls. Options that hold secrets
        // (API keys) are kept apart in `secrets`, encrypted with Data Protection. next_run_at is the schedule's next
        // due time; the scheduler enqueues one pull per (feed, due time).
        new(10, "feeds", """
            CREATE TABLE feeds (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id),
              name TEXT NOT NULL,
              format TEXT NOT NULL,
              url TEXT NOT NULL,
              options TEXT NOT NULL,
              secrets TEXT NULL,
              schedule TEXT NULL,
              enabled {bool} NOT NULL,
              warninglist_policy TEXT NOT NULL,
              tlp TEXT NULL,
              tags TEXT NOT NULL,
              etag TEXT NULL,
              last_modified TEXT NULL,
              status TEXT NOT NULL,
              last_attempt_at BIGINT NULL,
              last_success_at BIGINT NULL,
              last_error TEXT NULL,
              last_added INTEGER NOT NULL DEFAULT 0,
              last_updated INTEGER NOT NULL DEFAULT 0,
              last_removed INTEGER NOT NULL DEFAULT 0,
              last_dropped INTEGER NOT NULL DEFAULT 0,
              last_rejected INTEGER NOT NULL DEFAULT 0,
              item_errors TEXT NULL,
              next_run_at BIGINT NULL,
              created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL,
              UNIQUE (org_id, name)
            );
            CREATE INDEX ix_feeds_due ON feeds(next_run_at);
            CREATE TABLE feed_pulls (
              id {id},
              feed_id BIGINT NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              job_id BIGINT NULL,
              trigger_kind TEXT NOT NULL,
              started_at BIGINT NOT NULL,
              ended_at BIGINT NULL,
              outcome TEXT NOT NULL,
              added INTEGER NOT NULL DEFAULT 0,
              updated INTEGER NOT NULL DEFAULT 0,
              removed INTEGER NOT NULL DEFAULT 0,
              dropped INTEGER NOT NULL DEFAULT 0,
              rejected INTEGER NOT NULL DEFAULT 0,
              error TEXT NULL
            );
            CREATE INDEX ix_feed_pulls_feed ON feed_pulls(feed_id, id);
            CREATE INDEX ix_feed_pulls_job ON feed_pulls(job_id);
            """),
        // Intel/Taxii: the TAXII 2.1 server's collections (besides the built-in one that serves the indicators), the
        // STIX objects posted to them (every version, as posted: version = modified, else created, else date added, in Unix
        // microseconds), and the status of each POST. date_added is the server's clock in Unix milliseconds; objects are paged in
        // (date_added, id) order. The indicators collection pages by (updated_at, id), hence the index on indicators.
        new(11, "taxii-collections", """
            CREATE TABLE taxii_collections (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id),
              uuid TEXT NOT NULL,
              title TEXT NOT NULL,
              description TEXT NOT NULL DEFAULT '',
              alias TEXT NULL,
              read_roles TEXT NOT NULL,
              write_roles TEXT NOT NULL,
              created_by TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              UNIQUE (org_id, uuid),
              UNIQUE (org_id, title)
            );
            CREATE TABLE taxii_objects (
              id {id},
              collection_id BIGINT NOT NULL REFERENCES taxii_collections(id) ON DELETE CASCADE,
              stix_id TEXT NOT NULL,
              stix_type TEXT NOT NULL,
              version BIGINT NOT NULL,
              date_added BIGINT NOT NULL,
              body TEXT NOT NULL,
              UNIQUE (collection_id, stix_id, version)
            );
            CREATE INDEX ix_taxii_objects_added ON taxii_objects(collection_id, date_added, id);
            CREATE TABLE taxii_status (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id),
              uuid TEXT NOT NULL UNIQUE,
              collection_id BIGINT NOT NULL,
              status TEXT NOT NULL,
              request_timestamp BIGINT NOT NULL,
              total_count INTEGER NOT NULL,
              success_count INTEGER NOT NULL,
              failure_count INTEGER NOT NULL,
              pending_count INTEGER NOT NULL,
              details TEXT NOT NULL
            );
            CREATE INDEX ix_indicators_updated ON indicators(org_id, updated_at, id);
            """),
        // Intel/Flagging: which observables of alerts and cases an indicator matched, recorded by the background flagger
        // (IntelFlagger) after the observables were committed; owner_kind is 'alert' or 'case'. Rows go with their
        // indicator (cascade); the index starting with indicator_id serves that cascade and "where it matched". The
        // flagger's durable positions are in intel_flag_cursors: the highest id of each source table it has looked up
        // (observables forward, indicators backward onto stored observables) and a generation that a deletion bumps on
        // SQLite, where the id of a deleted newest row is given again to the next one.
        new(12, "observable-intel-matches", """
            CREATE TABLE observable_intel_matches (
              org_id BIGINT NOT NULL,
              owner_kind TEXT NOT NULL,
              owner_id BIGINT NOT NULL,
              observable_id BIGINT NOT NULL,
              indicator_id BIGINT NOT NULL REFERENCES indicators(id) ON DELETE CASCADE,
              match_kind TEXT NOT NULL,
              matched_at BIGINT NOT NULL,
              PRIMARY KEY (owner_kind, observable_id, indicator_id)
            );
            CREATE INDEX ix_observable_intel_indicator ON observable_intel_matches(indicator_id, owner_kind, owner_id, observable_id);
            CREATE INDEX ix_observable_intel_owner ON observable_intel_matches(org_id, owner_kind, owner_id);
            CREATE TABLE intel_flag_cursors (
              name TEXT PRIMARY KEY,
              last_id BIGINT NOT NULL,
              generation BIGINT NOT NULL,
              updated_at BIGINT NOT NULL
            );
            """),
        // Events: the day partitions (events_r{retention}_d{yyyyMMdd} and their _related index tables) are created on
        // demand by EventStore and listed in event_partitions, which retention reads to drop them whole. Ingest tokens
        // are stored hashed like API keys; event_sources holds each source's retention. Event ids come from one
        // counter (SQLite: a row the single writer bumps per batch; PostgreSQL: a sequence), unique across partitions.
        new(13, "events", """
            CREATE TABLE ingest_tokens (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              name TEXT NOT NULL,
              source TEXT NOT NULL,
              prefix TEXT NOT NULL,
              token_hash TEXT NOT NULL UNIQUE,
              created_by TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              revoked_at BIGINT NULL
            );
            CREATE INDEX ix_ingest_tokens_org ON ingest_tokens(org_id, id);
            CREATE TABLE event_sources (
              org_id BIGINT NOT NULL,
              source TEXT NOT NULL,
              retention_days INTEGER NOT NULL,
              updated_at BIGINT NOT NULL,
              PRIMARY KEY (org_id, source)
            );
            CREATE TABLE event_partitions (
              name TEXT PRIMARY KEY,
              day INTEGER NOT NULL,
              retention_days INTEGER NOT NULL,
              created_at BIGINT NOT NULL
            );
            CREATE INDEX ix_event_partitions_day ON event_partitions(day);
            CREATE TABLE event_id_counter (
              one INTEGER PRIMARY KEY CHECK (one = 1),
              next_id BIGINT NOT NULL
            );
            INSERT INTO event_id_counter (one, next_id) VALUES (1, 1);
            """, PostgresSql: """
            CREATE TABLE ingest_tokens (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              name TEXT NOT NULL,
              source TEXT NOT NULL,
              prefix TEXT NOT NULL,
              token_hash TEXT NOT NULL UNIQUE,
              created_by TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              revoked_at BIGINT NULL
            );
            CREATE INDEX ix_ingest_tokens_org ON ingest_tokens(org_id, id);
            CREATE TABLE event_sources (
              org_id BIGINT NOT NULL,
              source TEXT NOT NULL,
              retention_days INTEGER NOT NULL,
              updated_at BIGINT NOT NULL,
              PRIMARY KEY (org_id, source)
            );
            CREATE TABLE event_partitions (
              name TEXT PRIMARY KEY,
              day INTEGER NOT NULL,
              retention_days INTEGER NOT NULL,
              created_at BIGINT NOT NULL
            );
            CREATE INDEX ix_event_partitions_day ON event_partitions(day);
            CREATE SEQUENCE event_ids CACHE 100;
            """),
        // Retro-hunt: the highest indicator id whose values were looked up in the stored events' related.* index.
        new(14, "retro-hunt", """
            CREATE TABLE retro_hunt_cursor (
              one INTEGER PRIMARY KEY,
              last_indicator_id BIGINT NOT NULL
            );
            INSERT INTO retro_hunt_cursor (one, last_indicator_id) VALUES (1, 0);
            """),
        // Assets and sources seen in events: when each was first and last heard from, and when silence was last reported.
        new(15, "event-assets", """
            CREATE TABLE event_assets (
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              kind TEXT NOT NULL,
              name TEXT NOT NULL,
              first_seen BIGINT NOT NULL,
              last_seen BIGINT NOT NULL,
              events BIGINT NOT NULL,
              expected_interval_ms BIGINT NULL,
              silent_alerted_at BIGINT NULL,
              PRIMARY KEY (org_id, kind, name)
            );
            CREATE INDEX ix_event_assets_last_seen ON event_assets(last_seen);
            """),
        // Enrichment: each organisation's analyzer settings (secret config items encrypted with Data Protection in
        // `secrets`), the calls made to each service (the rate limit's durable window, shared by every node) and the
        // reports. A report belongs to a value (analyzer, data type, data; `data_key` is a SHA-256 of type and value so
        // long URLs index on PostgreSQL), so every observable with that value shows it and the cache finds it.
        new(16, "enrichment", """
            CREATE TABLE analyzer_settings (
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              name TEXT NOT NULL,
              enabled {bool} NOT NULL,
              base_url TEXT NULL,
              config TEXT NOT NULL,
              secrets TEXT NULL,
              rate_limit TEXT NULL,
              cache_ttl_ms BIGINT NULL,
              timeout_ms BIGINT NULL,
              max_tlp INTEGER NULL,
              max_pap INTEGER NULL,
              updated_by TEXT NOT NULL,
              updated_at BIGINT NOT NULL,
              PRIMARY KEY (org_id, name)
            );
            CREATE TABLE analyzer_calls (
              org_id BIGINT NOT NULL,
              analyzer TEXT NOT NULL,
              at BIGINT NOT NULL
            );
            CREATE INDEX ix_analyzer_calls ON analyzer_calls(org_id, analyzer, at);
            CREATE TABLE analyzer_reports (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              analyzer TEXT NOT NULL,
              data_type TEXT NOT NULL,
              data TEXT NOT NULL,
              data_key TEXT NOT NULL,
              status TEXT NOT NULL,
              level TEXT NULL,
              taxonomies TEXT NOT NULL,
              full_json TEXT NULL,
              full_truncated {bool} NOT NULL DEFAULT {false},
              artifacts TEXT NOT NULL,
              reason TEXT NULL,
              observable_kind TEXT NOT NULL,
              observable_id BIGINT NOT NULL,
              job_id BIGINT NULL,
              cached_from BIGINT NULL,
              created_at BIGINT NOT NULL,
              finished_at BIGINT NULL,
              expires_at BIGINT NULL
            );
            CREATE INDEX ix_analyzer_reports_value ON analyzer_reports(org_id, data_key, analyzer, id);
            """),
        // Retro-hunt: indicators found in stored events while not live, hunted again when they become live.
        new(17, "retro-hunt-waiting", """
            CREATE TABLE retro_hunt_waiting (
              indicator_id BIGINT PRIMARY KEY REFERENCES indicators(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              checked_at BIGINT NOT NULL
            );
            """),
        // Intel/Indicators: prefix search pages in value order by keyset (first 256 characters, then id) on PostgreSQL;
        // with the id in the index the page is read in order, without sorting the rows that share their first characters.
        // SQLite's unique (org_id, value, type) index already is that order.
        new(18, "indicator-prefix-keyset", "SELECT 1;", """
            CREATE INDEX ix_indicators_prefix_id ON indicators(org_id, (left(value, 256)) COLLATE "C", id);
            DROP INDEX ix_indicators_prefix;
            """),
        // Enrichment: whether an analyzer runs by itself on observables added to alerts, cases, both, or neither.
        new(19, "analyzer-auto", """
            ALTER TABLE analyzer_settings ADD COLUMN auto TEXT NOT NULL DEFAULT 'off';
            """),
        // Enrichment: whether a report's artifacts become observables (keep|add), and which expired reports the expiry
        // sweep has looked at (the partial index holds only those it has not, so each sweep starts at the first due one).
        new(20, "analyzer-artifacts-and-expiry", """
            ALTER TABLE analyzer_settings ADD COLUMN artifacts TEXT NOT NULL DEFAULT 'keep';
            ALTER TABLE analyzer_reports ADD COLUMN swept_at BIGINT NULL;
            CREATE INDEX ix_analyzer_reports_expiring ON analyzer_reports(expires_at, id) WHERE expires_at IS NOT NULL AND swept_at IS NULL;
            """),
        // Scoring: analysts' decisions on alerts and cases (with the score explanation they were shown and how each
        // source's agreement counters moved, so a later decision can take them back), the values each decision covered
        // (the history new alerts show), per-source reliability counters and the allowlist. Keys are AnalyzerStore.DataKey.
        new(21, "scoring", """
            CREATE TABLE score_decisions (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              owner_kind TEXT NOT NULL,
              owner_id BIGINT NOT NULL,
              kind_key TEXT NULL,
              verdict TEXT NOT NULL,
              comment TEXT NULL,
              actor TEXT NOT NULL,
              score INTEGER NOT NULL,
              explanation TEXT NOT NULL,
              deltas TEXT NOT NULL,
              superseded {bool} NOT NULL,
              decided_at BIGINT NOT NULL
            );
            CREATE INDEX ix_score_decisions_owner ON score_decisions(org_id, owner_kind, owner_id);
            CREATE INDEX ix_score_decisions_kind ON score_decisions(org_id, kind_key);
            CREATE TABLE score_decision_values (
              decision_id BIGINT NOT NULL REFERENCES score_decisions(id) ON DELETE CASCADE,
              org_id BIGINT NOT NULL,
              data_key TEXT NOT NULL,
              verdict TEXT NOT NULL,
              PRIMARY KEY (decision_id, data_key)
            );
            CREATE INDEX ix_score_decision_values_key ON score_decision_values(org_id, data_key);
            CREATE TABLE source_reliability (
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              source TEXT NOT NULL,
              agree BIGINT NOT NULL,
              disagree BIGINT NOT NULL,
              updated_at BIGINT NOT NULL,
              PRIMARY KEY (org_id, source)
            );
            CREATE TABLE score_allowlist (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              data_type TEXT NOT NULL,
              data TEXT NOT NULL,
              data_key TEXT NOT NULL,
              reason TEXT NOT NULL,
              decision_id BIGINT NULL,
              created_by TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              expires_at BIGINT NULL
            );
            CREATE INDEX ix_score_allowlist_key ON score_allowlist(org_id, data_key);
            """),
        // Enrichment: long-running analyses (sandboxes) keep their state at the service with the report, so a restart
        // during a detonation goes on polling the same submission.
        new(22, "analyzer-report-polling", """
            ALTER TABLE analyzer_reports ADD COLUMN poll_state TEXT NULL;
            ALTER TABLE analyzer_reports ADD COLUMN poll_since BIGINT NULL;
            ALTER TABLE analyzer_reports ADD COLUMN polls INTEGER NOT NULL DEFAULT 0;
            """),
        // Enrichment/Cortex: responder runs. `input` is the object as it was when the run was asked for (a retry sends the
        // same), `operations` what the responder reported doing.
        new(23, "responder-runs", """
            CREATE TABLE responder_runs (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              responder TEXT NOT NULL,
              object_type TEXT NOT NULL,
              object_id BIGINT NOT NULL,
              input TEXT NOT NULL,
              tlp INTEGER NOT NULL,
              pap INTEGER NOT NULL,
              status TEXT NOT NULL,
              full_json TEXT NULL,
              operations TEXT NOT NULL,
              reason TEXT NULL,
              job_id BIGINT NULL,
              requested_by TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              finished_at BIGINT NULL
            );
            CREATE INDEX ix_responder_runs_object ON responder_runs(org_id, object_type, object_id, id);
            """),
        // Files: the content of file observables, per organisation by SHA-256 (an organisation must not learn that
        // another holds a sample). Written in the transaction that adds the observable naming it ("name|sha256").
        new(24, "file-contents", """
            CREATE TABLE file_contents (
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              sha256 TEXT NOT NULL,
              sha1 TEXT NOT NULL,
              md5 TEXT NOT NULL,
              size BIGINT NOT NULL,
              content_type TEXT NOT NULL,
              content BLOB NOT NULL,
              created_by TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              PRIMARY KEY (org_id, sha256)
            );
            """, PostgresSql: """
            CREATE TABLE file_contents (
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              sha256 TEXT NOT NULL,
              sha1 TEXT NOT NULL,
              md5 TEXT NOT NULL,
              size BIGINT NOT NULL,
              content_type TEXT NOT NULL,
              content BYTEA NOT NULL,
              created_by TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              PRIMARY KEY (org_id, sha256)
            );
            ALTER TABLE file_contents ALTER COLUMN content SET STORAGE EXTERNAL;
            """),
        // Enrichment admin page: each analyzer's latest success and failure are one index seek each.
        new(26, "analyzer-reports-by-status", """
            CREATE INDEX ix_analyzer_reports_status ON analyzer_reports(org_id, analyzer, status, id);
            """),
        // Scoring: a decision stands only while its alert or case stays resolved. Reopening supersedes it (superseded_at);
        // the sightings it recorded (ids in `sightings`) are withdrawn, not deleted, so the indicator's history keeps them.
        // Alerts get TheHive's closed state: status 'resolved' with the resolution and when.
        new(28, "decision-withdrawal-and-alert-resolution", """
            ALTER TABLE score_decisions ADD COLUMN sightings TEXT NULL;
            ALTER TABLE score_decisions ADD COLUMN superseded_at BIGINT NULL;
            ALTER TABLE indicator_sightings ADD COLUMN withdrawn_at BIGINT NULL;
            ALTER TABLE alerts ADD COLUMN resolution TEXT NULL;
            ALTER TABLE alerts ADD COLUMN resolved_at BIGINT NULL;
            """),
        // Detection: the base rule matches that Sigma correlation windows hold, so a restart restores the windows
        // (decision 185). Read per organisation newest first; rows older than the correlations' horizon are deleted.
        new(31, "sigma-correlation-state", """
            CREATE TABLE sigma_correlation_events (
              id {id},
              org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
              rule_key TEXT NOT NULL,
              event_time BIGINT NOT NULL,
              fields TEXT NOT NULL,
              evidence TEXT NOT NULL,
              created_at BIGINT NOT NULL
            );
            CREATE INDEX ix_sigma_correlation_events ON sigma_correlation_events(org_id, event_time, id);
            """),
    ];
}
