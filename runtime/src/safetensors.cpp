#include "gptc/safetensors.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace gptc {

namespace {

std::string jsonEscape(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if ((unsigned char)c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

/// Just enough JSON for safetensors headers: objects, arrays, strings, integers.
struct Json {
  enum Kind { Null, Number, String, Array, Object } kind = Null;
  double number = 0;
  std::string str;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> fields;
  const Json *get(const std::string &key) const {
    for (auto &f : fields)
      if (f.first == key)
        return &f.second;
    return nullptr;
  }
};

class JsonParser {
public:
  JsonParser(const std::string &text, const std::string &file) : s_(text), file_(file) {}
  Json parse() {
    Json v = value();
    skip();
    if (i_ != s_.size())
      fail("trailing characters in header");
    return v;
  }

private:
  [[noreturn]] void fail(const std::string &what) {
    throw std::runtime_error(file_ + ": malformed safetensors header: " + what);
  }
  void skip() {
    while (i_ < s_.size() && std::isspace((unsigned char)s_[i_]))
      ++i_;
  }
  Json value() {
    skip();
    if (i_ >= s_.size())
      fail("unexpected end");
    char c = s_[i_];
    Json v;
    if (c == '{') {
      v.kind = Json::Object;
      ++i_;
      skip();
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return v;
      }
      while (true) {
        skip();
        if (i_ >= s_.size() || s_[i_] != '"')
          fail("expected a key");
        std::string key = string();
        skip();
        if (i_ >= s_.size() || s_[i_] != ':')
          fail("expected ':'");
        ++i_;
        v.fields.emplace_back(key, value());
        skip();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == '}') {
          ++i_;
          return v;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      v.kind = Json::Array;
      ++i_;
      skip();
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return v;
      }
      while (true) {
        v.items.push_back(value());
        skip();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == ']') {
          ++i_;
          return v;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      v.kind = Json::String;
      v.str = string();
      return v;
    }
    if (c == '-' || std::isdigit((unsigned char)c)) {
      size_t start = i_;
      while (i_ < s_.size() && (std::isdigit((unsigned char)s_[i_]) || strchr("+-.eE", s_[i_])))
        ++i_;
      v.kind = Json::Number;
      v.number = std::stod(s_.substr(start, i_ - start));
      return v;
    }
    fail(std::string("unexpected character '") + c + "'");
  }
  std::string string() {
    ++i_; // opening quote
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] == '\\') {
        if (++i_ >= s_.size())
          fail("bad escape");
        char e = s_[i_];
        if (e == 'u') {
          if (i_ + 4 >= s_.size())
            fail("bad \\u escape");
          out += (char)std::stoi(s_.substr(i_ + 1, 4), nullptr, 16);
          i_ += 4;
        } else {
          out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        }
        ++i_;
        continue;
      }
      out += s_[i_++];
    }
    if (i_ >= s_.size())
      fail("unterminated string");
    ++i_;
    return out;
  }
  const std::string &s_;
  std::string file_;
  size_t i_ = 0;
};

} // namespace

void saveSafetensors(const std::string &path,
                     const std::vector<std::pair<std::string, const Tensor *>> &tensors,
                     const std::map<std::string, std::string> &metadata) {
  std::ostringstream header;
  header << "{";
  bool first = true;
  if (!metadata.empty()) {
    header << "\"__metadata__\":{";
    bool firstMeta = true;
    for (auto &[k, v] : metadata) {
      header << (firstMeta ? "" : ",") << "\"" << jsonEscape(k) << "\":\"" << jsonEscape(v) << "\"";
      firstMeta = false;
    }
    header << "}";
    first = false;
  }
  size_t offset = 0;
  for (auto &[name, t] : tensors) {
    header << (first ? "" : ",") << "\"" << jsonEscape(name) << "\":{\"dtype\":\"" << dtypeName(t->dtype())
           << "\",\"shape\":[";
    for (size_t i = 0; i < t->shape().size(); ++i)
      header << (i ? "," : "") << t->shape()[i];
    header << "],\"data_offsets\":[" << offset << "," << offset + t->bytes() << "]}";
    offset += t->bytes();
    first = false;
  }
  header << "}";
  std::string h = header.str();
  while ((h.size() + 8) % 8 != 0)
    h += ' ';

  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
    if (!os)
      throw std::runtime_error("cannot write " + tmp);
    uint64_t n = h.size();
    unsigned char len[8];
    for (int i = 0; i < 8; ++i)
      len[i] = (unsigned char)(n >> (8 * i));
    os.write((const char *)len, 8);
    os.write(h.data(), h.size());
    for (auto &[name, t] : tensors)
      os.write((const char *)t->data(), t->bytes());
    os.flush();
    if (!os) {
      std::remove(tmp.c_str());
      throw std::runtime_error("failed writing " + tmp);
    }
  }
  if (FILE *f = std::fopen(tmp.c_str(), "rb")) {
    fsync(fileno(f));
    std::fclose(f);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
  }
}

SafetensorsFile loadSafetensors(const std::string &path) {
  std::ifstream is(path, std::ios::binary);
  if (!is)
    throw std::runtime_error("cannot open " + path);
  is.seekg(0, std::ios::end);
  uint64_t fileSize = (uint64_t)is.tellg();
  is.seekg(0);
  unsigned char len[8];
  if (fileSize < 8 || !is.read((char *)len, 8))
    throw std::runtime_error(path + ": not a safetensors file (too short)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= (uint64_t)len[i] << (8 * i);
  if (n > fileSize - 8 || n > (1u << 30))
    throw std::runtime_error(path + ": not a safetensors file (header length " + std::to_string(n) +
                             " exceeds the file)");
  std::string h(n, '\0');
  is.read(h.data(), n);
  Json header = JsonParser(h, path).parse();
  if (header.kind != Json::Object)
    throw std::runtime_error(path + ": malformed safetensors header: not an object");
  uint64_t dataStart = 8 + n, dataSize = fileSize - dataStart;
  SafetensorsFile out;
  for (auto &[name, entry] : header.fields) {
    if (name == "__metadata__") {
      for (auto &[k, v] : entry.fields)
        out.metadata[k] = v.str;
      continue;
    }
    const Json *dtype = entry.get("dtype"), *shape = entry.get("shape"), *offsets = entry.get("data_offsets");
    if (!dtype || !shape || !offsets || offsets->items.size() != 2)
      throw std::runtime_error(path + ": tensor '" + name + "' lacks dtype, shape or data_offsets");
    DType dt;
    if (dtype->str == "F32") dt = DType::F32;
    else if (dtype->str == "F64") dt = DType::F64;
    else if (dtype->str == "I32") dt = DType::I32;
    else throw std::runtime_error(path + ": tensor '" + name + "' has unsupported dtype " + dtype->str);
    std::vector<int64_t> dims;
    for (auto &d : shape->items)
      dims.push_back((int64_t)d.number);
    Tensor t(dt, dims);
    uint64_t begin = (uint64_t)offsets->items[0].number, end = (uint64_t)offsets->items[1].number;
    if (end < begin || end > dataSize || end - begin != t.bytes())
      throw std::runtime_error(path + ": tensor '" + name + "' has a bad byte range (file truncated?)");
    is.seekg(dataStart + begin);
    if (!is.read((char *)t.data(), t.bytes()))
      throw std::runtime_error(path + ": truncated while reading '" + name + "'");
    out.names.push_back(name);
    out.tensors.emplace(name, std::move(t));
  }
  return out;
}

} // namespace gptc
