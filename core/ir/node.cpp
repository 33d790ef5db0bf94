#include "node.h"

namespace nodus {

const Attribute* Node::attribute(std::string_view attrName) const
{
    for (const auto& a : attributes)
        if (a.name == attrName)
            return &a;
    return nullptr;
}

Attribute* Node::attribute(std::string_view attrName)
{
    for (auto& a : attributes)
        if (a.name == attrName)
            return &a;
    return nullptr;
}

} // namespace nodus
