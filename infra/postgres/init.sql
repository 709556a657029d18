-- Run once by the postgres image on an empty data directory: one database per service
-- (DESIGN.md §1). A unit test checks that every service of infra/stack/src/services.ts is here.
CREATE DATABASE chatty_auth;
CREATE DATABASE chatty_posts;
CREATE DATABASE chatty_subscription;
CREATE DATABASE chatty_admin;
CREATE DATABASE chatty_notifications;
CREATE DATABASE chatty_email;
