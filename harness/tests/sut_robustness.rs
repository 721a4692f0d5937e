//! The reference SUT's request handler against hostile input: every line gets exactly one
//! well-formed response carrying the request's id when it had one, and nothing panics.

use proptest::prelude::*;
use ratchet_harness::driver::protocol::Response;
use ratchet_harness::driver::sut::reference::OPS;
use ratchet_harness::driver::sut::stdio::serve;
use ratchet_harness::driver::sut::ReferenceSut;
use ratchet_ref::Profile;
use serde_json::{json, Value};

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[0-9a-f]{0,80}".prop_map(Value::from),
        ".{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-zA-Z]{1,12}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn request() -> impl Strategy<Value = Value> {
    let op = prop_oneof![
        prop::sample::select(OPS.to_vec()).prop_map(String::from),
        ".{0,12}"
    ];
    let arg_names = prop::sample::select(vec![
        "private",
        "public",
        "rk",
        "dhOut",
        "ck",
        "mk",
        "plaintext",
        "ciphertext",
        "ad",
        "header",
        "message",
        "seed",
        "identitySeed",
        "prekey",
        "bundle",
        "ephemeralPrivate",
        "session",
        "role",
        "sk",
        "peerRatchetKey",
        "ratchetPrivate",
        "keys",
        "state",
        "dh",
        "pn",
        "n",
    ]);
    (
        any::<u32>(),
        op,
        prop::collection::btree_map(arg_names, arbitrary_json(), 0..6),
    )
        .prop_map(|(id, op, args)| {
            let mut object = serde_json::Map::new();
            object.insert("id".into(), json!(id));
            object.insert("op".into(), json!(op));
            for (k, v) in args {
                object.insert(k.to_string(), v);
            }
            Value::Object(object)
        })
}

fn serve_lines(input: &str) -> Vec<String> {
    let mut sut = ReferenceSut::new(Profile::spec());
    let mut out = Vec::new();
    serve(&mut sut, input.as_bytes(), &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_request_gets_one_well_formed_answer_with_its_id(requests in prop::collection::vec(request(), 1..8)) {
        let input: String = requests.iter().map(|r| format!("{r}\n")).collect();
        let lines = serve_lines(&input);
        prop_assert_eq!(lines.len(), requests.len());
        for (request, line) in requests.iter().zip(&lines) {
            let response = Response::parse(line).unwrap();
            prop_assert_eq!(response.id, request["id"].as_u64());
        }
    }

    #[test]
    fn arbitrary_bytes_never_break_the_loop(lines in prop::collection::vec(".{0,200}", 1..8)) {
        let input: String = lines.iter().map(|l| format!("{}\n", l.replace('\n', " "))).collect();
        let answered = serve_lines(&input);
        let non_blank = lines.iter().filter(|l| !l.trim().is_empty()).count();
        prop_assert_eq!(answered.len(), non_blank);
        for line in &answered {
            prop_assert!(Response::parse(line).is_ok(), "{}", line);
        }
    }
}

#[test]
fn an_over_long_line_is_answered_and_skipped() {
    let long = format!(
        "{{\"id\":1,\"op\":\"kdf_ck\",\"ck\":\"{}\"}}\n",
        "a".repeat(2 << 20)
    );
    let input = format!("{long}{{\"id\":2,\"op\":\"hello\"}}\n");
    let lines = serve_lines(&input);
    assert_eq!(lines.len(), 2);
    assert!(lines[0].contains("bad_request") && lines[0].contains("longer than"));
    assert_eq!(Response::parse(&lines[1]).unwrap().id, Some(2));
}

/// `session_import` of an Olm state: what cannot be a state is `bad_request` naming the JSON
/// path, an inconsistent state gets the restore's typed error, and the SUT still answers.
#[test]
fn a_hostile_olm_state_is_refused_with_its_path_or_kind() {
    let state = json!({
        "rootKey": "11".repeat(32),
        "senderChain": {
            "ratchetPrivate": "22".repeat(32),
            "ratchetPublic": "33".repeat(32),
            "chainKey": "44".repeat(32),
            "index": 0
        },
        "receiverChains": [],
        "skippedKeys": []
    });
    let import = |id: u32, state: &Value| {
        format!(
            "{}\n",
            json!({"id": id, "op": "session_import", "profile": "olm", "session": "s", "state": state})
        )
    };
    let mut short_root = state.clone();
    short_root["rootKey"] = json!("11".repeat(31));
    let mut unknown = state.clone();
    unknown["senderChain"]["extra"] = json!(1);
    let mut missing = state.clone();
    missing.as_object_mut().unwrap().remove("skippedKeys");
    let input = [
        import(1, &short_root),
        import(2, &unknown),
        import(3, &missing),
        import(4, &state),
        "{\"id\":5,\"op\":\"hello\"}\n".to_string(),
    ]
    .concat();
    let mut sut = ReferenceSut::new(Profile::olm());
    let mut out = Vec::new();
    serve(&mut sut, input.as_bytes(), &mut out).unwrap();
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let error = |i: usize| {
        (
            lines[i]["error"]["kind"].clone(),
            lines[i]["error"]["message"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    let (kind, message) = error(0);
    assert_eq!(kind, "bad_request");
    assert!(message.contains("rootKey"), "{message}");
    let (kind, message) = error(1);
    assert_eq!(kind, "bad_request");
    assert!(
        message.contains("senderChain") && message.contains("extra"),
        "{message}"
    );
    let (kind, message) = error(2);
    assert_eq!(kind, "bad_request");
    assert!(message.contains("skippedKeys"), "{message}");
    let (kind, message) = error(3);
    assert_eq!(
        kind, "invalid_key",
        "ratchetPublic is not 0x22…'s public key"
    );
    assert!(message.contains("ratchetPublic"), "{message}");
    assert!(lines[4]["ok"].is_object(), "{:?}", lines[4]);
}
