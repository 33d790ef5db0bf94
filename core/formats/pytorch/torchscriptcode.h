#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The Python subset torch.jit.save writes under code/: class definitions
// with typed attributes and methods, top-level functions, and method
// bodies of assignments, calls, attribute loads, literals, if/for/while and
// return. Parsed into a small syntax tree; nothing is ever executed. Every
// size and depth is bounded, so a hostile file costs little.
namespace nodus::torchscript {

// A file that cannot be parsed or followed: where and why. Not a
// nodus::Error on purpose: the archive still opens, only without a graph.
struct CodeError {
    std::string file;
    int line = 0;
    std::string why;
    std::string text() const { return file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + why; }
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
    enum class Kind {
        Name, // text
        Attribute, // items[0].text
        Call, // items[0](items[1..], keywords)
        Subscript, // items[0][items[1]]
        List,
        Tuple,
        Int,
        Float,
        String,
        None,
        Bool,
        Unary, // text: "-", "+", "not", "~"
        Binary, // text: the operator ("+", "==", "is", "is not", "and", ...)
        IfElse, // items[1] if items[0] else items[2]
        Slice, // a[b:c]: items = start, stop (either may be None)
    };
    Kind kind = Kind::None;
    int line = 0;
    int height = 1; // of the tree below, bounded while parsing
    std::string text;
    std::int64_t integer = 0;
    double real = 0;
    bool boolean = false;
    std::vector<ExprPtr> items;
    std::vector<std::pair<std::string, ExprPtr>> keywords;
};

struct Stmt;
using Block = std::vector<Stmt>;

struct Stmt {
    enum class Kind {
        Assign, // targets[0] = value (a Tuple target unpacks)
        AugAssign, // targets[0] op= value (text: the operator)
        Expression,
        Return, // value may be null
        If, // if value: body else: orelse
        For, // for targets[0] in value: body
        While, // while value: body
        Pass,
        Break,
        Continue,
        Raise,
        Assert,
    };
    Kind kind = Kind::Pass;
    int line = 0;
    std::string text;
    std::vector<ExprPtr> targets;
    ExprPtr value;
    Block body, orelse;
};

struct Param {
    std::string name;
    ExprPtr annotation; // may be null
    ExprPtr defaultValue; // may be null
};

struct Function {
    std::string name;
    int line = 0;
    std::vector<Param> params;
    Block body;
};

struct Class {
    std::string name;
    int line = 0;
    std::vector<Function> methods;
};

struct File {
    std::string name; // as given to parse(), for messages
    std::vector<Class> classes;
    std::vector<Function> functions;
    const Class* findClass(std::string_view className) const;
    const Function* findFunction(std::string_view functionName) const;
};

// Parses one code file. Throws CodeError naming `fileName` and the line.
File parse(std::string_view text, const std::string& fileName);

} // namespace nodus::torchscript
