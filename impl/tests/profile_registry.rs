//! The built-in profiles by name: the names the CLI, the vector files and the driver accept.

use ratchet_ref::Profile;

#[test]
fn every_built_in_profile_is_found_by_its_name() {
    assert_eq!(Profile::names(), ["spec", "olm"]);
    assert_eq!(Profile::by_name("spec"), Some(Profile::spec()));
    assert_eq!(Profile::by_name("olm"), Some(Profile::olm()));
    assert_eq!(Profile::by_name("signal"), None);
    assert_eq!(Profile::by_name(""), None);
    let all: Vec<&str> = Profile::all().iter().map(|p| p.name).collect();
    assert_eq!(all, ["spec", "olm"]);
}

#[test]
fn only_fixed_header_profiles_have_fixed_header_parameters() {
    let spec = Profile::spec();
    let header = spec.fixed_header().expect("spec has a fixed header");
    // DH public key (32) ‖ PN (4) ‖ N (4), as the crate documentation's profile table says.
    assert_eq!(header.header_len, 40);
    assert!(Profile::olm().fixed_header().is_none());
    assert!(spec.x3dh().is_some());
    assert!(Profile::olm().x3dh().is_none());
}

#[test]
fn each_message_format_says_whether_it_carries_pn_and_how_far_it_counts() {
    // The spec profile's header carries PN and N as u32 (crate docs, HEADER); Olm's message
    // carries no PN (olm.md, "Normal message") and libolm counts chain indexes in a uint32.
    assert!(Profile::spec().wire.has_pn());
    assert!(!Profile::olm().wire.has_pn());
    assert_eq!(Profile::spec().wire.max_counter(), u64::from(u32::MAX));
    assert_eq!(Profile::olm().wire.max_counter(), u64::from(u32::MAX));
}

#[test]
fn signal_v3_is_known_by_name_but_not_yet_built_in() {
    assert_eq!(Profile::in_development(), ["signal-v3"]);
    assert_eq!(Profile::by_name("signal-v3"), Some(Profile::signal_v3()));
    assert!(!Profile::names().contains(&"signal-v3"));
}
