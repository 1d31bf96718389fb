//! Procedural macros for Switchboard: `#[command]`, `#[actor]` and `commands![..]`.
//! Use them through the `switchboard` crate, which documents them.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, ToTokens};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    parse_macro_input, Attribute, FnArg, Ident, ImplItem, ItemFn, ItemImpl, Pat, Path, ReturnType,
    Signature, Token, Type,
};

/// Turn a function into a command: `#[switchboard::command] async fn greet(name: String) -> String`.
///
/// Arguments are decoded from the request payload by name (any `Deserialize` type) or
/// injected (`State<T>`, `Window`, `Caller`, `AppHandle`). The function may be sync or
/// async. A `Result<T, E>` answers `E` as error code `app` with `E` encoded in `data`.
/// Register it with `commands![greet]`; it answers at `cmd:greet`.
#[proc_macro_attribute]
pub fn command(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(
            Span::call_site(),
            "#[switchboard::command] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let function = parse_macro_input!(item as ItemFn);
    match expand_command(&function) {
        Ok(generated) => quote!(#function #generated).into(),
        Err(e) => {
            let e = e.to_compile_error();
            quote!(#function #e).into()
        }
    }
}

/// Make an `impl` block an actor: every method taking `&self` or `&mut self` (sync or
/// async) becomes a method on the bus, called as `<actor>.<method>` with arguments decoded
/// by name. Mark a helper method `#[switchboard(skip)]` to keep it off the bus.
#[proc_macro_attribute]
pub fn actor(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(
            Span::call_site(),
            "#[switchboard::actor] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let mut block = parse_macro_input!(item as ItemImpl);
    match expand_actor(&mut block) {
        Ok(generated) => quote!(#block #generated).into(),
        Err(e) => {
            let e = e.to_compile_error();
            quote!(#block #e).into()
        }
    }
}

/// The commands to register: `commands![greet, files::read]`.
#[proc_macro]
pub fn commands(input: TokenStream) -> TokenStream {
    let paths = parse_macro_input!(input with Punctuated::<Path, Token![,]>::parse_terminated);
    let makers = paths.into_iter().map(|mut path| {
        if let Some(last) = path.segments.last_mut() {
            last.ident = format_ident!("__switchboard_command_{}", last.ident);
        }
        quote!(#path())
    });
    quote!(::switchboard::command::Commands::new(
        ::std::vec![#(#makers),*]
    ))
    .into()
}

fn docs(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn type_text(ty: &impl ToTokens) -> String {
    ty.to_token_stream()
        .to_string()
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace("< ", "<")
        .replace(" ,", ",")
        .replace(" :: ", "::")
}

struct Argument {
    ident: Ident,
    ty: Type,
}

/// The typed arguments of a signature (the receiver, if any, is skipped).
fn arguments(sig: &Signature) -> syn::Result<Vec<Argument>> {
    let mut out = Vec::new();
    for input in &sig.inputs {
        let FnArg::Typed(pat_type) = input else {
            continue;
        };
        let ident = match &*pat_type.pat {
            Pat::Ident(p) => p.ident.clone(),
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "switchboard arguments must be plain names: the name is the argument's key in the payload",
                ))
            }
        };
        out.push(Argument {
            ident,
            ty: (*pat_type.ty).clone(),
        });
    }
    Ok(out)
}

fn is_result(output: &ReturnType) -> bool {
    match output {
        ReturnType::Type(_, ty) => match &**ty {
            Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Result"),
            _ => false,
        },
        ReturnType::Default => false,
    }
}

/// The code that decodes the arguments, calls `callee`, and turns the output into a Reply.
fn call_body(sig: &Signature, callee: TokenStream2) -> syn::Result<TokenStream2> {
    let args = arguments(sig)?;
    let p = quote!(::switchboard::__private);
    let extract = args.iter().map(|a| {
        let ident = &a.ident;
        let ty = &a.ty;
        let name = ident.to_string();
        quote_spanned_arg(
            ty,
            quote! {
                let #ident = match <#ty as #p::CommandArg>::from_call(&__call, &__args, #name) {
                    ::std::result::Result::Ok(value) => value,
                    ::std::result::Result::Err(error) => return #p::Reply::from(error),
                };
            },
        )
    });
    let idents = args.iter().map(|a| &a.ident);
    let awaited = if sig.asyncness.is_some() {
        quote!(.await)
    } else {
        quote!()
    };
    let reply = if is_result(&sig.output) {
        quote! {
            match __out {
                ::std::result::Result::Ok(value) => #p::IntoReply::into_reply(value),
                ::std::result::Result::Err(error) => {
                    #[allow(unused_imports)]
                    use #p::{DisplayMessage as _, PlainMessage as _};
                    let message = (&&#p::ErrorMessage(&error)).message();
                    #p::Reply::from(#p::app_error(&error, message))
                }
            }
        }
    } else {
        match &sig.output {
            ReturnType::Type(_, ty) => {
                quote::quote_spanned!(ty.span() => #p::IntoReply::into_reply(__out))
            }
            ReturnType::Default => quote!(#p::IntoReply::into_reply(__out)),
        }
    };
    Ok(quote! {
        let __args = match __call.args() {
            ::std::result::Result::Ok(args) => args,
            ::std::result::Result::Err(error) => return #p::Reply::from(error),
        };
        #(#extract)*
        let __out = #callee(#(#idents),*) #awaited;
        #reply
    })
}

fn quote_spanned_arg(ty: &Type, tokens: TokenStream2) -> TokenStream2 {
    let span = ty.span();
    let mut out = TokenStream2::new();
    for mut tt in tokens {
        tt.set_span(tt.span().resolved_at(span));
        out.extend([tt]);
    }
    out
}

fn type_fn(ty: &Type) -> TokenStream2 {
    let p = quote!(::switchboard::__private);
    quote! {
        |types: &mut #p::TypeCollection| -> ::std::option::Option<#p::DataType> {
            #[allow(unused_imports)]
            use #p::{NoSpectaType as _, SpectaType as _};
            (&&#p::TypeProbe::<#ty>(::std::marker::PhantomData)).datatype(types)
        }
    }
}

fn last_ident_is(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}

/// The `T` and `E` of a `Result<T, E>` return type.
fn result_types(ty: &Type) -> Option<(Type, Option<Type>)> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    });
    let ok = types.next()?;
    Some((ok, types.next()))
}

fn meta(sig: &Signature, attrs: &[Attribute]) -> syn::Result<TokenStream2> {
    let p = quote!(::switchboard::__private);
    let unit: Type = syn::parse_quote!(());
    let (ok, error) = match &sig.output {
        ReturnType::Default => (unit, None),
        ReturnType::Type(_, ty) => result_types(ty).unwrap_or(((**ty).clone(), None)),
    };
    let stream = last_ident_is(&ok, "Stream");
    let ok_fn = type_fn(&ok);
    let error_fn = match &error {
        Some(e) => {
            let f = type_fn(e);
            quote!(::std::option::Option::Some(#f))
        }
        None => quote!(::std::option::Option::None),
    };
    let name = sig.ident.to_string();
    let doc = docs(attrs);
    let returns = match &sig.output {
        ReturnType::Default => "()".to_owned(),
        ReturnType::Type(_, ty) => type_text(ty),
    };
    let args = arguments(sig)?.into_iter().map(|a| {
        let n = a.ident.to_string();
        let ty = &a.ty;
        let text = type_text(ty);
        let datatype = type_fn(ty);
        quote!(#p::ArgMeta { name: #n, ty: #text, from_payload: <#ty as #p::CommandArg>::FROM_PAYLOAD, datatype: #datatype })
    });
    Ok(quote! {
        #p::HandlerMeta {
            name: #name,
            docs: #doc,
            args: &[#(#args),*],
            returns: #returns,
            ok: #ok_fn,
            error: #error_fn,
            stream: #stream,
        }
    })
}

fn expand_command(function: &ItemFn) -> syn::Result<TokenStream2> {
    let sig = &function.sig;
    if let Some(FnArg::Receiver(r)) = sig.inputs.first() {
        return Err(syn::Error::new(
            r.span(),
            "a command cannot take `self`; use #[switchboard::actor] on the impl block",
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new(
            sig.generics.span(),
            "a command cannot be generic",
        ));
    }
    let p = quote!(::switchboard::__private);
    let vis = &function.vis;
    let ident = &sig.ident;
    let maker = format_ident!("__switchboard_command_{}", ident);
    let meta = meta(sig, &function.attrs)?;
    let body = call_body(sig, quote!(#ident))?;
    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, clippy::needless_question_mark, unused_mut)]
        #vis fn #maker() -> #p::Command {
            const __META: #p::HandlerMeta = #meta;
            #p::Command::new(__META, |__call: ::switchboard::Call| -> #p::BoxFuture<'static, #p::Reply> {
                ::std::boxed::Box::pin(async move { #body })
            })
        }
    })
}

fn is_skip(attr: &Attribute) -> bool {
    attr.path().is_ident("switchboard") && attr.parse_args::<Ident>().is_ok_and(|i| i == "skip")
}

fn expand_actor(block: &mut ItemImpl) -> syn::Result<TokenStream2> {
    if let Some((_, path, _)) = &block.trait_ {
        return Err(syn::Error::new(
            path.span(),
            "#[switchboard::actor] goes on an inherent impl block (`impl Counter { .. }`), not a trait impl",
        ));
    }
    let p = quote!(::switchboard::__private);
    let mut arms = Vec::new();
    let mut metas = Vec::new();
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else { continue };
        let skip = method.attrs.iter().any(is_skip);
        method.attrs.retain(|a| !is_skip(a));
        if skip {
            continue;
        }
        let Some(FnArg::Receiver(receiver)) = method.sig.inputs.first() else {
            continue;
        };
        if receiver.reference.is_none() {
            return Err(syn::Error::new(
                receiver.span(),
                "an actor method takes `&self` or `&mut self`, not `self`",
            ));
        }
        if !method.sig.generics.params.is_empty() {
            return Err(syn::Error::new(
                method.sig.generics.span(),
                "an actor method cannot be generic (mark it #[switchboard(skip)] to keep it off the bus)",
            ));
        }
        let ident = &method.sig.ident;
        let name = ident.to_string();
        let body = call_body(&method.sig, quote!(self.#ident))?;
        arms.push(quote!(#name => { #body }));
        metas.push(meta(&method.sig, &method.attrs)?);
    }
    let (impl_generics, _, where_clause) = block.generics.split_for_impl();
    let self_ty = &block.self_ty;
    Ok(quote! {
        impl #impl_generics ::switchboard::Actor for #self_ty #where_clause {
            #[allow(unused_mut, clippy::needless_question_mark)]
            fn handle(&mut self, __call: ::switchboard::Call) -> #p::BoxFuture<'_, #p::Reply> {
                ::std::boxed::Box::pin(async move {
                    match __call.method() {
                        #(#arms)*
                        _ => #p::Reply::from(__call.unknown_method()),
                    }
                })
            }

            fn methods(&self) -> &'static [#p::HandlerMeta] {
                const __METHODS: &[#p::HandlerMeta] = &[#(#metas),*];
                __METHODS
            }
        }
    })
}
