// private to evidence/formats: XML for the CycloneDX XML and SWID readers,
// read by libxml2's xmlTextReader: a forward-only cursor that holds the
// element it is on and that element's ancestors, not the document, so that a
// 100 MB BOM is read one component at a time. Elements are matched by
// namespace and local name (libxml2 resolves prefixes, Namespaces in XML 1.0
// §6), within the bounds JSON has (kMaxDocumentBytes, and kMaxXmlDepth for
// kMaxJsonDepth).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libxml/tree.h>

#include "base/bytes.h"
#include "base/result.h"

namespace scitt::evidence::internal::xml {

// Bound to the prefix "xml" without a declaration (Namespaces in XML 1.0 §3).
inline constexpr const char* kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

inline std::string_view View(const xmlChar* text) {
  return text == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(text));
}

inline std::string_view LocalName(const xmlNode* node) { return View(node->name); }

// "" for an element in no namespace.
inline std::string_view NamespaceOf(const xmlNode* node) {
  return node->ns == nullptr ? std::string_view() : View(node->ns->href);
}
inline std::string_view NamespaceOf(const xmlAttr* attribute) {
  return attribute->ns == nullptr ? std::string_view() : View(attribute->ns->href);
}

// The value of an attribute, as the parser normalised it (XML 1.0 §3.3.3).
std::string ValueOf(const xmlAttr* attribute);

// The attribute `name` of `element` in `namespace_uri`, or in no namespace
// when that is null: "A default namespace declaration does not apply
// directly to attribute names" (§6.2), so bom-ref and tagId are in none.
std::optional<std::string> Attribute(const xmlNode* element, const char* name,
                                     const char* namespace_uri = nullptr);
Result<std::string> RequiredAttribute(const xmlNode* element, const char* name,
                                      const std::string& where);

// The text of `element` (its character data and CDATA sections joined)
// without the white space around it: text content is often written as
// "\n    <![CDATA[value]]>\n  ". An element inside is an error.
Result<std::string> Text(const xmlNode* element, const std::string& where);

// The elements of one namespace, whatever prefix a document gives them.
class Namespace {
 public:
  explicit Namespace(std::string uri) : uri_(std::move(uri)) {}

  const std::string& uri() const { return uri_; }
  bool Is(const xmlNode* node, std::string_view local_name) const {
    return node != nullptr && node->type == XML_ELEMENT_NODE && LocalName(node) == local_name &&
           NamespaceOf(node) == uri_;
  }
  // The child elements `local_name` of `parent` (none for null), in
  // document order.
  std::vector<const xmlNode*> Children(const xmlNode* parent, std::string_view local_name) const;
  // The child element `local_name` of `parent`, or null. A second one is an
  // error, as a repeated JSON key is: two readers could take different ones.
  Result<const xmlNode*> OptionalChild(const xmlNode* parent, std::string_view local_name,
                                       const std::string& where) const;
  Result<std::optional<std::string>> OptionalText(const xmlNode* parent, std::string_view local_name,
                                                  const std::string& where) const;
  Result<std::string> RequiredText(const xmlNode* parent, std::string_view local_name,
                                   const std::string& where) const;

 private:
  std::string uri_;
};

// A forward-only cursor over one document, on an element.
class Reader {
 public:
  // Reads all of `bytes` once to check them, then returns a reader on the
  // root element; `what` names the format in messages. kMalformed for bytes
  // over kMaxDocumentBytes, not well-formed (namespaces included) or not in
  // their encoding, and for a document type declaration or elements nested
  // deeper than kMaxXmlDepth. A DTD can define entities (the "billion
  // laughs"); no CycloneDX or SWID document needs one, and refusing it leaves
  // nothing to reason about. Checking first means a document is refused
  // for its bytes before anything is read from it, however late the fault.
  static Result<Reader> Open(ByteView bytes, std::string_view what);

  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;
  ~Reader();

  // Of the element the reader is on.
  std::string_view qualified_name() const;
  std::string_view local_name() const;
  std::string_view namespace_uri() const;  // "" for none

  // Calls `visit` with the reader on each child element of the current one,
  // in document order; after it the reader is at the current element's end.
  // `visit` may call ForEachChild or Expand, or neither (the child is
  // skipped).
  Status ForEachChild(const std::function<Status()>& visit);

  // The element the reader is on with all it holds, parsed; valid until the
  // reader moves. Only this element's subtree is held.
  Result<const xmlNode*> Expand();

 private:
  struct State;
  explicit Reader(std::unique_ptr<State> state);
  Status Failed(int code) const;

  std::unique_ptr<State> state_;
};

}  // namespace scitt::evidence::internal::xml
