// private to evidence/formats: XML for the CycloneDX XML and SWID readers,
// parsed by pugixml within the bounds JSON has (kMaxDocumentBytes, and
// kMaxXmlDepth for kMaxJsonDepth), with elements matched by namespace and
// local name. pugixml does not process namespaces, so prefixes are resolved
// here from the xmlns declarations in scope (Namespaces in XML 1.0 §6).
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <pugixml.hpp>

#include "base/bytes.h"
#include "base/result.h"
#include "base/text.h"
#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence::internal::xml {

// Bound to the prefix "xml" without a declaration (Namespaces in XML 1.0 §3).
inline constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

inline std::string_view PrefixOf(std::string_view qualified_name) {
  const size_t colon = qualified_name.find(':');
  return colon == std::string_view::npos ? std::string_view() : qualified_name.substr(0, colon);
}

inline std::string_view LocalNameOf(std::string_view qualified_name) {
  const size_t colon = qualified_name.find(':');
  return colon == std::string_view::npos ? qualified_name : qualified_name.substr(colon + 1);
}

// The unprefixed attribute `name` of `element`, as written.
inline std::optional<std::string> Attribute(pugi::xml_node element, const char* name) {
  const pugi::xml_attribute attribute = element.attribute(name);
  if (!attribute) return std::nullopt;
  return std::string(attribute.value());
}

inline Result<std::string> RequiredAttribute(pugi::xml_node element, const char* name,
                                             const std::string& where) {
  auto value = Attribute(element, name);
  if (!value) return Invalid(where + " has no " + name + " attribute");
  return std::move(*value);
}

// The text of `element` (its character data and CDATA sections joined)
// without the white space around it: text content is often written as
// "\n    <![CDATA[value]]>\n  ". An element inside is an error.
inline Result<std::string> Text(pugi::xml_node element, const std::string& where) {
  std::string text;
  for (const pugi::xml_node child : element.children()) {
    if (child.type() == pugi::node_element) return Invalid(where + " must hold text, not elements");
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      text += child.value();
    }
  }
  constexpr std::string_view kWhiteSpace = " \t\r\n";  // XML 1.0 production [3] S
  const size_t first = text.find_first_not_of(kWhiteSpace);
  if (first == std::string::npos) return std::string();
  return text.substr(first, text.find_last_not_of(kWhiteSpace) - first + 1);
}

// One parsed XML document with a single root element, and the namespace
// declarations of its elements, indexed once: resolving a prefix looks at
// the declarations of at most kMaxXmlDepth elements, whatever number of
// attributes they have.
class Document {
 public:
  // Parses `bytes`; `what` names the format in messages. kMalformed for
  // bytes over kMaxDocumentBytes, that are not well-formed XML or not UTF-8
  // (when that is their encoding), and for what pugixml lets through but a
  // conforming parser would not, or would read differently: elements nested
  // deeper than kMaxXmlDepth (this bounds the readers' recursion), a
  // repeated attribute (XML 1.0 WFC "Unique Att Spec"; pugixml keeps both),
  // more than one root, and a document type declaration. A DTD can define
  // entities (the "billion laughs"); pugixml never expands entities other
  // than the five predefined ones, so none could, but no CycloneDX or SWID
  // document needs a DTD and refusing it leaves nothing to reason about.
  static Result<Document> Parse(ByteView bytes, std::string_view what) {
    const std::string name(what);
    if (bytes.size() > kMaxDocumentBytes) {
      return MakeError(ErrorCode::kMalformed,
                       name + ": larger than " + std::to_string(kMaxDocumentBytes) + " bytes");
    }
    Document document;
    // parse_doctype keeps a DOCTYPE as a node, to be refused below;
    // comments and processing instructions are dropped.
    const pugi::xml_parse_result parsed = document.document_->load_buffer(
        bytes.data(), bytes.size(), pugi::parse_default | pugi::parse_doctype);
    if (!parsed) {
      return MakeError(ErrorCode::kMalformed, name + ": not well-formed XML (" +
                                                  parsed.description() + " at byte " +
                                                  std::to_string(parsed.offset) + ")");
    }
    // pugixml converts UTF-16, UTF-32 and Latin-1 to UTF-8 but passes UTF-8
    // through unchecked.
    if (parsed.encoding == pugi::encoding_utf8) {
      if (const size_t bad = FindInvalidUtf8(bytes); bad != bytes.size()) {
        return MakeError(ErrorCode::kMalformed,
                         name + ": not UTF-8 (byte " + std::to_string(bad) + ")");
      }
    }
    Indexer indexer(document.declarations_);
    document.document_->traverse(indexer);
    if (!indexer.problem.empty()) {
      return MakeError(ErrorCode::kMalformed, name + ": " + indexer.problem + " is not accepted");
    }
    size_t roots = 0;
    for (const pugi::xml_node node : document.document_->children()) {
      if (node.type() == pugi::node_element) ++roots;
    }
    if (roots != 1) {
      return MakeError(ErrorCode::kMalformed, name + ": not well-formed XML (" +
                                                  std::to_string(roots) + " root elements)");
    }
    return document;
  }

  pugi::xml_node root() const { return document_->document_element(); }

  std::string_view NamespaceOf(pugi::xml_node element) const {
    return NamespaceOfPrefix(element, PrefixOf(element.name()));
  }

  // "A default namespace declaration does not apply directly to attribute
  // names; the interpretation of unprefixed attributes is determined by the
  // element on which they appear" (§6.2): an unprefixed attribute is in no
  // namespace.
  std::string_view NamespaceOf(pugi::xml_node element, pugi::xml_attribute attribute) const {
    const std::string_view prefix = PrefixOf(attribute.name());
    return prefix.empty() ? std::string_view() : NamespaceOfPrefix(element, prefix);
  }

 private:
  // prefix ("" for the default namespace) -> URI, of one element
  using Declarations = std::unordered_map<std::string_view, std::string_view>;

  class Indexer : public pugi::xml_tree_walker {
   public:
    explicit Indexer(std::unordered_map<const void*, Declarations>& declarations)
        : declarations_(declarations) {}

    std::string problem;

    bool for_each(pugi::xml_node& node) override {
      if (node.type() == pugi::node_doctype) {
        problem = "a document type declaration";
        return false;
      }
      if (node.type() != pugi::node_element) return true;
      // depth() counts from 0 at the root element.
      if (depth() >= kMaxXmlDepth) {
        problem = "elements nested deeper than " + std::to_string(kMaxXmlDepth);
        return false;
      }
      std::vector<std::string_view> names;
      for (const pugi::xml_attribute attribute : node.attributes()) {
        const std::string_view name = attribute.name();
        names.push_back(name);
        if (name == "xmlns" || name.starts_with("xmlns:")) {
          const std::string_view prefix = name == "xmlns" ? std::string_view() : name.substr(6);
          declarations_[node.internal_object()][prefix] = attribute.value();
        }
      }
      std::sort(names.begin(), names.end());
      if (const auto twice = std::adjacent_find(names.begin(), names.end()); twice != names.end()) {
        problem = "attribute " + std::string(twice->substr(0, 100)) + " repeated in <" +
                  std::string(std::string_view(node.name()).substr(0, 100)) + ">";
        return false;
      }
      return true;
    }

   private:
    std::unordered_map<const void*, Declarations>& declarations_;
  };

  Document() : document_(std::make_unique<pugi::xml_document>()) {}

  // The namespace `prefix` is bound to at `scope`: the nearest declaration
  // on it or an ancestor; "" when none is.
  std::string_view NamespaceOfPrefix(pugi::xml_node scope, std::string_view prefix) const {
    if (prefix == "xml") return kXmlNamespace;
    for (pugi::xml_node node = scope; node.type() == pugi::node_element; node = node.parent()) {
      const auto declared = declarations_.find(node.internal_object());
      if (declared == declarations_.end()) continue;
      if (const auto it = declared->second.find(prefix); it != declared->second.end()) {
        return it->second;
      }
    }
    return {};
  }

  std::unique_ptr<pugi::xml_document> document_;  // owns the strings the views point into
  std::unordered_map<const void*, Declarations> declarations_;  // element -> its declarations
};

// The elements of one namespace, whatever prefix a document gives them.
class Namespace {
 public:
  // `document` must outlive this.
  Namespace(const Document& document, std::string uri)
      : document_(document), uri_(std::move(uri)) {}

  bool Is(pugi::xml_node node, std::string_view local_name) const {
    return node.type() == pugi::node_element && LocalNameOf(node.name()) == local_name &&
           document_.NamespaceOf(node) == uri_;
  }

  // The child elements `local_name` of `parent`, in document order.
  std::vector<pugi::xml_node> Children(pugi::xml_node parent, std::string_view local_name) const {
    std::vector<pugi::xml_node> out;
    for (const pugi::xml_node child : parent.children()) {
      if (Is(child, local_name)) out.push_back(child);
    }
    return out;
  }

  // The child element `local_name` of `parent`, or an empty node. A second
  // one is an error, as a repeated JSON key is: two readers could take
  // different ones.
  Result<pugi::xml_node> OptionalChild(pugi::xml_node parent, std::string_view local_name,
                                       const std::string& where) const {
    const std::vector<pugi::xml_node> children = Children(parent, local_name);
    if (children.size() > 1) {
      return Invalid(where + " has more than one <" + std::string(local_name) + ">");
    }
    return children.empty() ? pugi::xml_node() : children[0];
  }

  Result<std::optional<std::string>> OptionalText(pugi::xml_node parent,
                                                  std::string_view local_name,
                                                  const std::string& where) const {
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node child, OptionalChild(parent, local_name, where));
    if (!child) return std::optional<std::string>();
    SCITT_ASSIGN_OR_RETURN(std::string text, Text(child, where + "/" + std::string(local_name)));
    return std::optional<std::string>(std::move(text));
  }

  Result<std::string> RequiredText(pugi::xml_node parent, std::string_view local_name,
                                   const std::string& where) const {
    SCITT_ASSIGN_OR_RETURN(auto text, OptionalText(parent, local_name, where));
    if (!text) return Invalid(where + " has no <" + std::string(local_name) + ">");
    return std::move(*text);
  }

 private:
  const Document& document_;
  std::string uri_;
};

}  // namespace scitt::evidence::internal::xml
