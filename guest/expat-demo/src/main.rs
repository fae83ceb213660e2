//! Guest component for the generated expat WIT (wit/generated/expat.wit,
//! made by `dlwit import /usr/include/expat.h --lib libexpat.so.1`, no
//! overlay). The importer turned expat's handler typedefs into the
//! interface `expat-callbacks`, which this guest exports (world
//! `callbacks`); each `XML_Set*Handler` passes C the export, and NULL for
//! the user data.
//!
//! * no argument: parses a document in two chunks with the handlers set,
//!   then prints what C called, in order, one `event ...` line each, and
//!   the status of each `XML_Parse`. Character data and an entity's value
//!   come as bytes with their length (no NUL after them).
//! * `malformed`: a document with an unclosed element: prints the error
//!   expat reports and its line.
//! * `trap`: a comment handler that traps: the parse fails and the guest
//!   traps; prints `unreachable` if it did not.

use std::cell::RefCell;
use std::process::ExitCode;

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/generated/expat.wit"],
    world: "dlwit:expat/callbacks",
    generate_all,
});

use dlwit::expat::expat::{self as x, XmlParser};

thread_local! {
    /// What C called, in order.
    static EVENTS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// The comment handler traps.
    static TRAP: RefCell<bool> = const { RefCell::new(false) };
}

fn saw(what: String) {
    EVENTS.with_borrow_mut(|e| e.push(what));
}

fn text(s: Option<String>) -> String {
    s.unwrap_or_else(|| "NULL".into())
}

struct Handlers;

impl exports::dlwit::expat::expat_callbacks::Guest for Handlers {
    fn xml_attlist_decl_handler(
        elname: Option<String>,
        attname: Option<String>,
        _att_type: Option<String>,
        _dflt: Option<String>,
        _isrequired: i32,
    ) {
        saw(format!("attlist {} {}", text(elname), text(attname)));
    }

    fn xml_xml_decl_handler(version: Option<String>, encoding: Option<String>, standalone: i32) {
        saw(format!(
            "xml-decl {} {} {standalone}",
            text(version),
            text(encoding)
        ));
    }

    fn xml_end_element_handler(name: Option<String>) {
        saw(format!("end {}", text(name)));
    }

    fn xml_processing_instruction_handler(target: Option<String>, data: Option<String>) {
        saw(format!("pi {} {}", text(target), text(data)));
    }

    fn xml_comment_handler(data: Option<String>) {
        if TRAP.with_borrow(|t| *t) {
            panic!("the comment handler traps");
        }
        saw(format!("comment {}", text(data)));
    }

    fn xml_start_cdata_section_handler() {
        saw("cdata-start".into());
    }

    fn xml_end_cdata_section_handler() {
        saw("cdata-end".into());
    }

    fn xml_start_doctype_decl_handler(
        doctype_name: Option<String>,
        _sysid: Option<String>,
        _pubid: Option<String>,
        has_internal_subset: i32,
    ) {
        saw(format!(
            "doctype {} {has_internal_subset}",
            text(doctype_name)
        ));
    }

    fn xml_end_doctype_decl_handler() {
        saw("doctype-end".into());
    }

    fn xml_unparsed_entity_decl_handler(
        entity_name: Option<String>,
        _base: Option<String>,
        _system_id: Option<String>,
        _public_id: Option<String>,
        _notation_name: Option<String>,
    ) {
        saw(format!("unparsed {}", text(entity_name)));
    }

    fn xml_notation_decl_handler(
        notation_name: Option<String>,
        _base: Option<String>,
        _system_id: Option<String>,
        _public_id: Option<String>,
    ) {
        saw(format!("notation {}", text(notation_name)));
    }

    fn xml_start_namespace_decl_handler(prefix: Option<String>, uri: Option<String>) {
        saw(format!("ns {} {}", text(prefix), text(uri)));
    }

    fn xml_end_namespace_decl_handler(prefix: Option<String>) {
        saw(format!("ns-end {}", text(prefix)));
    }

    fn xml_not_standalone_handler() -> i32 {
        1
    }

    fn xml_external_entity_ref_handler(
        _parser: &XmlParser,
        _context: Option<String>,
        _base: Option<String>,
        _system_id: Option<String>,
        _public_id: Option<String>,
    ) -> i32 {
        0
    }

    fn xml_character_data_handler(s: Vec<u8>) {
        let text = String::from_utf8_lossy(&s);
        if !text.trim().is_empty() {
            saw(format!("text {text}"));
        }
    }

    fn xml_default_handler(_s: Vec<u8>) {}

    fn xml_entity_decl_handler(
        entity_name: Option<String>,
        _is_parameter_entity: i32,
        value: Vec<u8>,
        _base: Option<String>,
        _system_id: Option<String>,
        _public_id: Option<String>,
        _notation_name: Option<String>,
    ) {
        saw(format!(
            "entity {} {}",
            text(entity_name),
            String::from_utf8_lossy(&value)
        ));
    }

    fn xml_skipped_entity_handler(entity_name: Option<String>, _is_parameter_entity: i32) {
        saw(format!("skipped {}", text(entity_name)));
    }
}

export!(Handlers);

const DOC: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                   <!DOCTYPE doc [<!ATTLIST doc id CDATA #IMPLIED><!ENTITY who \"world\">]>\n\
                   <doc id=\"1\"><!-- a note --><?tool run fast?>\
                   <a/><![CDATA[raw <text>]]><b>hello &who;</b></doc>";

/// A parser with every handler the test looks at set.
fn parser() -> XmlParser {
    let p = x::xml_parser_create("UTF-8").expect("a parser");
    x::xml_set_xml_decl_handler(&p);
    x::xml_set_doctype_decl_handler(&p);
    x::xml_set_attlist_decl_handler(&p);
    x::xml_set_end_element_handler(&p);
    x::xml_set_comment_handler(&p);
    x::xml_set_processing_instruction_handler(&p);
    x::xml_set_cdata_section_handler(&p);
    x::xml_set_character_data_handler(&p);
    x::xml_set_entity_decl_handler(&p);
    p
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => {
            let p = parser();
            // Two chunks: C keeps its handlers between the calls.
            let (first, rest) = DOC.as_bytes().split_at(70);
            let a = x::xml_parse(&p, first, 0);
            let b = x::xml_parse(&p, rest, 1);
            println!("status {a:?} {b:?}");
            EVENTS.with_borrow(|e| e.iter().for_each(|e| println!("event {e}")));
        }
        ["malformed"] => {
            let p = parser();
            let status = x::xml_parse(&p, b"<doc><a></doc>", 1);
            let code = x::xml_get_error_code(&p);
            println!(
                "status {status:?} error {} line {}",
                text(x::xml_error_string(code)),
                x::xml_get_current_line_number(&p)
            );
        }
        ["trap"] => {
            TRAP.with_borrow_mut(|t| *t = true);
            let p = parser();
            let _ = x::xml_parse(&p, DOC.as_bytes(), 1);
            println!("unreachable");
        }
        _ => {
            eprintln!("usage: expat-demo [malformed | trap]");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
