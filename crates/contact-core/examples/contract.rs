//! Prints the contract as JSON: `cargo run -q -p contact-core --example contract`.

fn main() {
    let contract = contact_core::contract::contract();
    println!(
        "{}",
        serde_json::to_string_pretty(&contract).expect("the contract serializes")
    );
}
