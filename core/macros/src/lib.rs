//! Procedural macros for Switchboard: `#[command]`, `#[actor]` and `commands![..]`.
//! Use them through the `switchboard` crate, which documents them.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
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
    let options = parse_macro_input!(attr with Punctuated::<Ident, Token![,]>::parse_terminated);
    let function = parse_macro_input!(item as ItemFn);
    let placement = match command_placement(&options, &function) {
        Ok(p) => p,
        Err(e) => {
            let e = e.to_compile_error();
            return quote!(#function #e).into();
        }
    };
    match expand_command(&function, placement) {
        Ok(generated) => quote!(#function #generated).into(),
        Err(e) => {
            let e = e.to_compile_error();
            quote!(#function #e).into()
        }
    }
}

/// Make an `impl` block an actor: every method taking `&self` or `&mut self` (sync or
/// async) becomes a method on the bus, called as `<actor>.<method>` with arguments decoded
/// by name. Mark a helper method `#[switchboard(skip)]` to keep it off the bus, a sync
/// method that blocks `#[switchboard(blocking)]`, and lifecycle hooks
/// `#[switchboard(started)]` / `#[switchboard(stopping)]`. Also generates a typed handle,
/// `<Type>Handle` (or `#[switchboard::actor(handle = Name)]`).
#[proc_macro_attribute]
pub fn actor(attr: TokenStream, item: TokenStream) -> TokenStream {
    let handle_name = if attr.is_empty() {
        None
    } else {
        let option = parse_macro_input!(attr as syn::MetaNameValue);
        let name = match (&option.value, option.path.is_ident("handle")) {
            (syn::Expr::Path(syn::ExprPath { path, .. }), true) if path.get_ident().is_some() => {
                path.get_ident().cloned()
            }
            _ => None,
        };
        match name {
            Some(name) => Some(name),
            None => return syn::Error::new(
                option.span(),
                "#[switchboard::actor] takes one option: `handle = Name` (the typed handle's name)",
            )
            .to_compile_error()
            .into(),
        }
    };
    let mut block = parse_macro_input!(item as ItemImpl);
    match expand_actor(&mut block, handle_name) {
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
                ::std::result::Result::Ok(value) => #p::IntoReply::into_reply_to(value, __id),
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
                quote::quote_spanned!(ty.span() => #p::IntoReply::into_reply_to(__out, __id))
            }
            ReturnType::Default => quote!(#p::IntoReply::into_reply_to(__out, __id)),
        }
    };
    Ok(quote! {
        let __id = __call.id();
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

/// Where a command runs (see `switchboard::command`'s module docs).
#[derive(Clone, Copy)]
enum Placement {
    /// async: polled by the caller's task
    Async,
    /// sync: on a worker task
    Worker,
    /// sync, `blocking`: on the blocking pool
    Blocking,
    /// sync, `inline`: on the caller's thread
    Inline,
}

fn command_placement(
    options: &Punctuated<Ident, Token![,]>,
    function: &ItemFn,
) -> syn::Result<Placement> {
    let mut placement = None;
    for option in options {
        let p = match option.to_string().as_str() {
            "inline" => Placement::Inline,
            "blocking" => Placement::Blocking,
            other => {
                return Err(syn::Error::new(
                    option.span(),
                    format!("unknown option `{other}`: #[switchboard::command] takes `inline` or `blocking`"),
                ))
            }
        };
        if placement.is_some() {
            return Err(syn::Error::new(
                option.span(),
                "choose one of `inline` and `blocking`",
            ));
        }
        placement = Some(p);
    }
    match (function.sig.asyncness.is_some(), placement) {
        (true, None) => Ok(Placement::Async),
        (true, Some(_)) => Err(syn::Error::new(
            function.sig.asyncness.span(),
            "`inline` and `blocking` are for sync commands: an async command is polled by its caller's task and must not block (move blocking work into `tokio::task::spawn_blocking`)",
        )),
        (false, None) => Ok(Placement::Worker),
        (false, Some(p)) => Ok(p),
    }
}

fn expand_command(function: &ItemFn, placement: Placement) -> syn::Result<TokenStream2> {
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
    let make = match placement {
        Placement::Async => quote! {
            #p::Command::new(__META, |__call: ::switchboard::Call| -> #p::BoxFuture<'static, #p::Reply> {
                ::std::boxed::Box::pin(async move { #body })
            })
        },
        Placement::Worker | Placement::Blocking | Placement::Inline => {
            let constructor = match placement {
                Placement::Blocking => quote!(blocking),
                Placement::Inline => quote!(inline),
                _ => quote!(on_worker),
            };
            quote! {
                #p::Command::#constructor(__META, |__call: ::switchboard::Call| -> #p::Reply { #body })
            }
        }
    };
    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, clippy::needless_question_mark, unused_mut)]
        #vis fn #maker() -> #p::Command {
            const __META: #p::HandlerMeta = #meta;
            #make
        }
    })
}

/// What `#[switchboard(..)]` makes of an actor method.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Method,
    Blocking,
    Skip,
    Started,
    Stopping,
}

/// Read (and remove) the method's `#[switchboard(..)]` attributes.
fn method_role(attrs: &mut Vec<Attribute>) -> syn::Result<Role> {
    let mut role = Role::Method;
    let mut error = None;
    attrs.retain(|a| {
        if !a.path().is_ident("switchboard") {
            return true;
        }
        match a.parse_args::<Ident>() {
            Ok(option) => match option.to_string().as_str() {
                "skip" => role = Role::Skip,
                "blocking" => role = Role::Blocking,
                "started" => role = Role::Started,
                "stopping" => role = Role::Stopping,
                other => {
                    error = Some(syn::Error::new(
                        option.span(),
                        format!("unknown option `{other}`: an actor method takes `#[switchboard(skip)]`, `(blocking)`, `(started)` or `(stopping)`"),
                    ))
                }
            },
            Err(e) => error = Some(e),
        }
        false
    });
    match error {
        Some(e) => Err(e),
        None => Ok(role),
    }
}

/// The body of a lifecycle hook: calls the user's method, with the context if it takes one.
fn hook(method: &syn::ImplItemFn, name: &str) -> syn::Result<TokenStream2> {
    let p = quote!(::switchboard::__private);
    let sig = &method.sig;
    if !matches!(sig.inputs.first(), Some(FnArg::Receiver(r)) if r.reference.is_some()) {
        return Err(syn::Error::new(
            sig.span(),
            format!("a `{name}` hook takes `&mut self` (or `&self`), and optionally a `&switchboard::actor::Context`"),
        ));
    }
    let ident = &sig.ident;
    let call = match sig.inputs.len() {
        1 => quote!({ let _ = __cx; self.#ident() }),
        2 => quote!(self.#ident(__cx)),
        _ => {
            return Err(syn::Error::new(
                sig.inputs.span(),
                format!(
                    "a `{name}` hook takes at most one argument, a `&switchboard::actor::Context`"
                ),
            ))
        }
    };
    let awaited = if sig.asyncness.is_some() {
        quote!(.await)
    } else {
        quote!()
    };
    let name = format_ident!("{}", name);
    Ok(quote! {
        fn #name<'__a>(&'__a mut self, __cx: &'__a ::switchboard::actor::Context) -> #p::BoxFuture<'__a, ()> {
            ::std::boxed::Box::pin(async move {
                let _ = #call #awaited;
            })
        }
    })
}

/// Whether an argument type is injected rather than sent (by its name, as written).
fn is_injected(ty: &Type) -> bool {
    ["State", "Window", "Caller", "AppHandle"]
        .iter()
        .any(|name| last_ident_is(ty, name))
}

/// One method of the typed handle, or `None` when it cannot have one (a stream, an
/// `impl Trait` or borrowed answer).
fn handle_method(method: &syn::ImplItemFn) -> syn::Result<Option<TokenStream2>> {
    let p = quote!(::switchboard::__private);
    let sig = &method.sig;
    let unit: Type = syn::parse_quote!(());
    let ok = match &sig.output {
        ReturnType::Default => unit,
        ReturnType::Type(_, ty) => result_types(ty).map_or((**ty).clone(), |(ok, _)| ok),
    };
    if last_ident_is(&ok, "Stream")
        || matches!(ok, Type::Reference(_) | Type::ImplTrait(_))
        || ok.to_token_stream().to_string().contains("impl")
    {
        return Ok(None);
    }
    let args: Vec<_> = arguments(sig)?
        .into_iter()
        .filter(|a| !is_injected(&a.ty))
        .collect();
    let params = args.iter().map(|a| {
        let (ident, ty) = (&a.ident, &a.ty);
        quote!(#ident: #ty)
    });
    let pushes = args.iter().map(|a| {
        let ident = &a.ident;
        let name = ident.to_string();
        quote!(__args.push(#name, (&&#p::ArgProbe(&#ident)).encode_arg());)
    });
    let ident = &sig.ident;
    let name = ident.to_string();
    let docs = method.attrs.iter().filter(|a| a.path().is_ident("doc"));
    Ok(Some(quote! {
        #(#docs)*
        pub async fn #ident(&self, #(#params),*) -> ::std::result::Result<#ok, ::switchboard::ClientError> {
            #[allow(unused_imports)]
            use #p::{EncodeArg as _, NoEncodeArg as _, DecodeReply as _, NoDecodeReply as _};
            let mut __args = #p::ArgsWriter::new();
            #(#pushes)*
            let __answer = self.0.call_raw(#name, __args.finish()).await?;
            (&&#p::ReplyProbe::<#ok>(::std::marker::PhantomData)).decode_reply(&__answer)
        }
    }))
}

fn expand_actor(block: &mut ItemImpl, handle_name: Option<Ident>) -> syn::Result<TokenStream2> {
    if let Some((_, path, _)) = &block.trait_ {
        return Err(syn::Error::new(
            path.span(),
            "#[switchboard::actor] goes on an inherent impl block (`impl Counter { .. }`), not a trait impl",
        ));
    }
    let p = quote!(::switchboard::__private);
    let mut arms = Vec::new();
    let mut metas = Vec::new();
    let mut blocking = Vec::new();
    let mut hooks = Vec::new();
    let mut handle_methods = Vec::new();
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else { continue };
        let role = method_role(&mut method.attrs)?;
        match role {
            Role::Skip => continue,
            Role::Started | Role::Stopping => {
                let name = if role == Role::Started {
                    "started"
                } else {
                    "stopping"
                };
                if hooks.iter().any(|(n, _)| *n == name) {
                    return Err(syn::Error::new(
                        method.sig.span(),
                        format!("an actor has one `{name}` hook"),
                    ));
                }
                hooks.push((name, hook(method, name)?));
                continue;
            }
            Role::Method | Role::Blocking => {}
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
        if role == Role::Blocking {
            if method.sig.asyncness.is_some() {
                return Err(syn::Error::new(
                    method.sig.asyncness.span(),
                    "`blocking` is for sync methods: an async method must not block (move blocking work into `tokio::task::spawn_blocking`)",
                ));
            }
            blocking.push(name.clone());
        }
        let body = call_body(&method.sig, quote!(self.#ident))?;
        arms.push(quote!(#name => { #body }));
        metas.push(meta(&method.sig, &method.attrs)?);
        if let Some(m) = handle_method(method)? {
            handle_methods.push(m);
        }
    }
    let (impl_generics, _, where_clause) = block.generics.split_for_impl();
    let self_ty = &block.self_ty;
    let is_blocking = (!blocking.is_empty()).then(|| {
        quote! {
            fn is_blocking(&self, __method: &str) -> bool {
                ::std::matches!(__method, #(#blocking)|*)
            }
        }
    });
    let hooks = hooks.iter().map(|(_, h)| h);
    let handle = typed_handle(block, handle_name, &handle_methods);
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

            #is_blocking
            #(#hooks)*
        }

        #handle
    })
}

/// `<Type>Handle`: typed calls from Rust, `app.actor::<Type>("name").method(..)`. Not made
/// for a generic impl block.
fn typed_handle(
    block: &ItemImpl,
    handle_name: Option<Ident>,
    methods: &[TokenStream2],
) -> Option<TokenStream2> {
    if !block.generics.params.is_empty() {
        return None;
    }
    let Type::Path(path) = &*block.self_ty else {
        return None;
    };
    let type_ident = &path.path.segments.last()?.ident;
    let name = handle_name.unwrap_or_else(|| format_ident!("{}Handle", type_ident));
    let self_ty = &block.self_ty;
    let doc = format!(
        "Typed calls to a `{type_ident}` actor on the bus, from Rust: `app.actor::<{type_ident}>(\"address\")`. Trusted as the app's own, or checked against a window's capabilities after [`{name}::on_behalf_of`]."
    );
    Some(quote! {
        #[doc = #doc]
        #[derive(Clone, Debug)]
        pub struct #name(::switchboard::handle::ActorHandle);

        impl ::switchboard::handle::Typed for #self_ty {
            type Handle = #name;
        }

        impl ::std::convert::From<::switchboard::handle::ActorHandle> for #name {
            fn from(handle: ::switchboard::handle::ActorHandle) -> Self {
                #name(handle)
            }
        }

        #[allow(private_interfaces, dead_code, clippy::needless_question_mark)]
        impl #name {
            /// Make the calls on behalf of `caller`: checked against its capabilities, as
            /// if its page had made them.
            pub fn on_behalf_of(self, caller: ::switchboard::Caller) -> Self {
                #name(self.0.on_behalf_of(caller))
            }

            /// The untyped handle (any method, by name).
            pub fn untyped(&self) -> &::switchboard::handle::ActorHandle {
                &self.0
            }

            #(#methods)*
        }
    })
}
