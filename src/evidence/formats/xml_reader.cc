#include "evidence/formats/xml_reader.h"

#include <mutex>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence::internal::xml {

std::string ValueOf(const xmlAttr* attribute) {
  // Without a DTD there are no entity references: the value is its text.
  std::string value;
  for (const xmlNode* part = attribute->children; part != nullptr; part = part->next) {
    value += View(part->content);
  }
  return value;
}

std::optional<std::string> Attribute(const xmlNode* element, const char* name,
                                     const char* namespace_uri) {
  for (const xmlAttr* attribute = element->properties; attribute != nullptr;
       attribute = attribute->next) {
    if (View(attribute->name) != name) continue;
    if (namespace_uri == nullptr ? attribute->ns == nullptr
                                 : NamespaceOf(attribute) == namespace_uri) {
      return ValueOf(attribute);
    }
  }
  return std::nullopt;
}

Result<std::string> RequiredAttribute(const xmlNode* element, const char* name,
                                      const std::string& where) {
  auto value = Attribute(element, name);
  if (!value) return Invalid(where + " has no " + name + " attribute");
  return std::move(*value);
}

Result<std::string> Text(const xmlNode* element, const std::string& where) {
  std::string text;
  for (const xmlNode* child = element->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) return Invalid(where + " must hold text, not elements");
    // CDATA sections arrive as text (XML_PARSE_NOCDATA).
    if (child->type == XML_TEXT_NODE) text += View(child->content);
  }
  constexpr std::string_view kWhiteSpace = " \t\r\n";  // XML 1.0 production [3] S
  const size_t first = text.find_first_not_of(kWhiteSpace);
  if (first == std::string::npos) return std::string();
  return text.substr(first, text.find_last_not_of(kWhiteSpace) - first + 1);
}

std::vector<const xmlNode*> Namespace::Children(const xmlNode* parent,
                                                std::string_view local_name) const {
  std::vector<const xmlNode*> out;
  if (parent == nullptr) return out;
  for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (Is(child, local_name)) out.push_back(child);
  }
  return out;
}

Result<const xmlNode*> Namespace::OptionalChild(const xmlNode* parent, std::string_view local_name,
                                                const std::string& where) const {
  const std::vector<const xmlNode*> children = Children(parent, local_name);
  if (children.size() > 1) {
    return Invalid(where + " has more than one <" + std::string(local_name) + ">");
  }
  return children.empty() ? nullptr : children[0];
}

Result<std::optional<std::string>> Namespace::OptionalText(const xmlNode* parent,
                                                           std::string_view local_name,
                                                           const std::string& where) const {
  SCITT_ASSIGN_OR_RETURN(const xmlNode* child, OptionalChild(parent, local_name, where));
  if (child == nullptr) return std::optional<std::string>();
  SCITT_ASSIGN_OR_RETURN(std::string text, Text(child, where + "/" + std::string(local_name)));
  return std::optional<std::string>(std::move(text));
}

Result<std::string> Namespace::RequiredText(const xmlNode* parent, std::string_view local_name,
                                            const std::string& where) const {
  SCITT_ASSIGN_OR_RETURN(auto text, OptionalText(parent, local_name, where));
  if (!text) return Invalid(where + " has no <" + std::string(local_name) + ">");
  return std::move(*text);
}

// --- Reader ------------------------------------------------------------------

struct Reader::State {
  // The first error libxml2 reports (warnings aside).
  struct Fault {
    int code = 0;
    int line = 0;
    int column = 0;
    std::string message;
    // Where the parser was: a document type declaration met, the elements
    // open, or past the root element.
    bool in_doctype = false;
    int open_elements = 0;
    std::string open_element;  // the innermost, cut
    bool after_root = false;
  };

  ~State() {
    if (reader != nullptr) xmlFreeTextReader(reader);
  }

  // A reader at the start of `bytes` (null reader when libxml2 cannot make one).
  static std::unique_ptr<State> New(ByteView bytes, const std::string& what) {
    // "In case of multithreaded use, xmlInitParser() must be called before
    // any other libxml2 function" (parser.h).
    static std::once_flag initialised;
    std::call_once(initialised, xmlInitParser);
    auto state = std::make_unique<State>();
    state->what = what;
    // No network, no DTD loading, no entity substitution beyond the five
    // predefined ones; CDATA sections as text.
    state->reader = xmlReaderForMemory(reinterpret_cast<const char*>(bytes.data()),
                                       static_cast<int>(bytes.size()), nullptr, nullptr,
                                       XML_PARSE_NONET | XML_PARSE_NOCDATA);
    if (state->reader != nullptr) {
      xmlTextReaderSetStructuredErrorHandler(state->reader, &State::OnError, state.get());
    }
    return state;
  }

  static void OnError(void* self, xmlErrorPtr error) {
    auto& state = *static_cast<State*>(self);
    if (error == nullptr || error->level < XML_ERR_ERROR || state.fault) return;
    std::string_view message = View(reinterpret_cast<const xmlChar*>(error->message));
    message = message.substr(0, message.find('\n'));  // libxml2 adds the bytes on a second line
    Fault fault;
    fault.code = error->code;
    fault.line = error->line;
    fault.column = error->int2;
    fault.message = message.substr(0, 150);
    if ((error->domain == XML_FROM_PARSER || error->domain == XML_FROM_NAMESPACE) &&
        error->ctxt != nullptr) {
      const auto& parser = *static_cast<const xmlParserCtxt*>(error->ctxt);
      fault.in_doctype =
          parser.inSubset != 0 || (parser.myDoc != nullptr && parser.myDoc->intSubset != nullptr);
      fault.open_elements = parser.nameNr;
      fault.open_element = View(parser.name).substr(0, 100);
      fault.after_root = parser.instate == XML_PARSER_EPILOG;
    }
    state.fault = std::move(fault);
  }

  // xmlTextReaderRead or xmlTextReaderNext, with a reported error as -1
  // (some, such as an undeclared prefix, let the parser go on).
  int Move(bool skip_subtree) {
    const int moved = skip_subtree ? xmlTextReaderNext(reader) : xmlTextReaderRead(reader);
    return fault ? -1 : moved;
  }

  int type() const { return xmlTextReaderNodeType(reader); }
  int depth() const { return xmlTextReaderDepth(reader); }

  Error Malformed(const std::string& problem) const {
    return MakeError(ErrorCode::kMalformed, what + ": " + problem);
  }

  Error DoctypeRefused() const { return Malformed("a document type declaration is not accepted"); }

  // Why reading stopped.
  Error Failed() const {
    if (!fault) return Malformed("not well-formed XML (libxml2 stopped without saying why)");
    // A DTD's entities can fail in many ways (libxml2 stops the "billion
    // laughs" as an entity loop); the one refusal is for the DTD.
    if (fault->in_doctype) return DoctypeRefused();
    std::string detail = fault->message;
    // libxml2 says "Extra content at the end of the document" for an empty
    // document and for one cut short too.
    if (fault->code == XML_ERR_DOCUMENT_END || fault->code == XML_ERR_DOCUMENT_EMPTY) {
      detail = fault->open_elements > 0 ? "the document ends inside <" + fault->open_element + ">"
               : fault->after_root      ? "content after the root element"
                                        : "no root element";
    }
    const std::string place =
        "line " + std::to_string(fault->line) + ", column " + std::to_string(fault->column);
    if (detail.starts_with("Input is not proper UTF-8")) return Malformed("not UTF-8 (" + place + ")");
    return Malformed("not well-formed XML (" + detail + ", " + place + ")");
  }

  std::string what;
  xmlTextReaderPtr reader = nullptr;
  std::optional<Fault> fault;
};

Result<Reader> Reader::Open(ByteView bytes, std::string_view what) {
  const std::string name(what);
  if (bytes.size() > kMaxDocumentBytes) {
    return MakeError(ErrorCode::kMalformed,
                     name + ": larger than " + std::to_string(kMaxDocumentBytes) + " bytes");
  }
  {  // The check: one read to the end, holding one element's ancestors at a time.
    std::unique_ptr<State> check = State::New(bytes, name);
    if (check->reader == nullptr) return check->Malformed("not well-formed XML (no root element)");
    int moved;
    while ((moved = check->Move(false)) == 1) {
      const int type = check->type();
      if (type == XML_READER_TYPE_DOCUMENT_TYPE) return check->DoctypeRefused();
      // Depth counts from 0 at the root element.
      if (type == XML_READER_TYPE_ELEMENT && check->depth() >= kMaxXmlDepth) {
        return check->Malformed("elements nested deeper than " + std::to_string(kMaxXmlDepth) +
                                " are not accepted");
      }
    }
    if (moved < 0) return check->Failed();
  }
  std::unique_ptr<State> state = State::New(bytes, name);
  if (state->reader == nullptr) return state->Malformed("not well-formed XML (no root element)");
  int moved;
  while ((moved = state->Move(false)) == 1 && state->type() != XML_READER_TYPE_ELEMENT) {
  }
  if (moved != 1) return state->Failed();
  return Reader(std::move(state));
}

Reader::Reader(std::unique_ptr<State> state) : state_(std::move(state)) {}
Reader::Reader(Reader&&) noexcept = default;
Reader& Reader::operator=(Reader&&) noexcept = default;
Reader::~Reader() = default;

std::string_view Reader::qualified_name() const { return View(xmlTextReaderConstName(state_->reader)); }
std::string_view Reader::local_name() const {
  return View(xmlTextReaderConstLocalName(state_->reader));
}
std::string_view Reader::namespace_uri() const {
  return View(xmlTextReaderConstNamespaceUri(state_->reader));
}

Status Reader::ForEachChild(const std::function<Status()>& visit) {
  State& state = *state_;
  if (xmlTextReaderIsEmptyElement(state.reader) == 1) return Status::Ok();
  const int depth = state.depth();
  int moved = state.Move(false);
  while (moved == 1) {
    const int type = state.type();
    if (type == XML_READER_TYPE_END_ELEMENT && state.depth() == depth) return Status::Ok();
    if (type != XML_READER_TYPE_ELEMENT) {
      moved = state.Move(false);
      continue;
    }
    SCITT_RETURN_IF_ERROR(visit());
    // The visit left the reader on the child, or at the child's end when it
    // went through the child's children.
    moved = state.Move(state.type() == XML_READER_TYPE_ELEMENT);
  }
  return state.Failed();
}

Result<const xmlNode*> Reader::Expand() {
  const xmlNode* node = xmlTextReaderExpand(state_->reader);
  if (node == nullptr || state_->fault) return state_->Failed();
  return node;
}

}  // namespace scitt::evidence::internal::xml
