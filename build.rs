//! `sqlx::migrate!` embeds `migrations/` when the crate compiles; without
//! this, cargo would not notice a migration added since the last build.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
